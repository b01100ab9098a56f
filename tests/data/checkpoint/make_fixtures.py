#!/usr/bin/env python3
"""Writes the torch.save fixtures that tests/checkpoint reads, plus expected.json with their exact values.

Needs PyTorch and numpy. The outputs are committed next to this script; rerun only to change them:
    python3 make_fixtures.py OUTDIR && cp OUTDIR/* tests/data/checkpoint/

expected.json: {fixture: [{"name", "dtype", "shape", "values"}, ...]} listing, in order, the tensors that
cpq::loadPth must return (fp16/bf16 already converted to float32, values flattened in C order).
"""
import collections
import json
import os
import pickle
import sys
import types
import zipfile

import numpy as np
import torch

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
expected = {}


def record(name, sd):
    entries = []
    for key, value in sd.items():
        t = value.detach()
        if t.dtype in (torch.float16, torch.bfloat16):
            t = t.float()
        t = t.contiguous()
        if t.is_floating_point():
            values = [float(x) for x in t.double().flatten().tolist()]
        else:
            values = [int(x) for x in t.long().flatten().tolist()]
        entries.append({"name": key, "dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                        "values": values})
    expected[name] = entries


def save(name, obj, sd=None, **kwargs):
    torch.save(obj, os.path.join(out, name), **kwargs)
    if sd is not None:
        record(name, sd)


# 1. A plain dict of tensors of every dtype we read, an nn.Parameter and an empty tensor.
plain = {
    "a.weight": torch.arange(12, dtype=torch.float32).reshape(3, 4) / 7,
    "a.bias": torch.tensor([1.5, -2.25, 3.0]),
    "count": torch.tensor(7, dtype=torch.int64),
    "big": torch.tensor([-(2**40), 2**33 + 5, -1], dtype=torch.int64),
    "ids": torch.tensor([1, -2, 3], dtype=torch.int32),
    "mask": torch.tensor([True, False, True]),
    "bytes": torch.tensor([0, 7, 255], dtype=torch.uint8),
    "d": torch.tensor([0.1, -1e300], dtype=torch.float64),
    "p": torch.nn.Parameter(torch.randn(2, 2)),
    "empty": torch.zeros(0, 3),
}
save("plain.pth", plain, plain)
# The same with pickle protocol 4 (FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE).
save("plain_proto4.pth", plain, plain, pickle_protocol=4)


# 2. An mmengine-style checkpoint: objects of classes we do not have, numpy values, nested containers.
def fake_class(module, name):
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
    cls = type(name, (object,), {"__module__": module})
    setattr(sys.modules[module], name, cls)
    return cls


HistoryBuffer = fake_class("mmengine.logging.history_buffer", "HistoryBuffer")
MessageHub = fake_class("mmengine.logging.message_hub", "MessageHub")
ConfigDict = fake_class("mmengine.config.config", "ConfigDict")
hb = HistoryBuffer()
hb._log_history = np.array([0.5, 0.25])
hb._count_history = np.array([1, 2])
hb.max_length = 1000000
hub = MessageHub()
hub._log_scalars = {"train/loss": hb}
hub._runtime_info = {"epoch": 3, "iter": 1200, "cfg": ConfigDict()}
model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                            torch.nn.Conv2d(4, 2, 1))
with torch.no_grad():
    model[1].running_mean.uniform_(-1, 1)
    model[1].running_var.uniform_(0.5, 2)
    model[1].num_batches_tracked.fill_(1234)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
model(torch.randn(2, 3, 8, 8)).sum().backward()
optimizer.step()
state_dict = model.state_dict()  # an OrderedDict with a _metadata attribute
mmengine = {
    "meta": {
        "mmengine_version": "0.10.4",
        "epoch": 3,
        "iter": 1200,
        "seed": np.int64(42),
        "lr": np.float32(0.5),
        "hist": np.arange(4),
        "cfg": "model = dict(type='CenterPoint')\n",
        "dataset_meta": {"classes": ("car", "truck"), "version": 2.5, "ok": None, "set": {1, 2}},
        "blob": b"\x00\x01\x02",
        "hub": hb,
    },
    "state_dict": state_dict,
    "optimizer": optimizer.state_dict(),
    "message_hub": hub,
    "param_schedulers": [{"base_lrs": [0.1], "last_step": 1200}],
}
save("mmengine_style.pth", mmengine, state_dict)

# 3. Half-precision tensors (read back as float32).
half = {
    "h": torch.randn(3, 5).half(),
    "b": torch.randn(4).bfloat16(),
    "h_scalar": torch.tensor(-0.125, dtype=torch.float16),
    "f": torch.randn(2),
}
save("half.pth", half, half)

# 4. Views of shared storages (torch.save keeps the sharing: one data/<key> record, offsets and strides).
base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
big = torch.arange(100, dtype=torch.int64)
views = collections.OrderedDict([
    ("base", base),
    ("row", base[1]),
    ("col", base[:, 2]),
    ("t", base.t()),
    ("slice", base[1:3, ::2]),
    ("scalar", base[2, 3]),
    ("tail", big[90:]),
    ("strided", big[5:40:7]),
])
save("views.pth", views, views)


# 5. Malicious pickles: loading them with pickle would run a shell command.
class EvilSystem:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class EvilEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('echo pwned')",))


save("malicious_system.pth", {"state_dict": {"w": torch.zeros(2)}, "x": EvilSystem()})
save("malicious_eval.pth", {"state_dict": {"w": torch.zeros(2)}, "x": EvilEval()})
# The same attack with protocol 4 (STACK_GLOBAL) in a hand-made zip laid out like torch.save's.
with zipfile.ZipFile(os.path.join(out, "malicious_proto4.pth"), "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", pickle.dumps({"state_dict": {}, "x": EvilSystem()}, protocol=4))
    z.writestr("archive/byteorder", "little")
    z.writestr("archive/version", "3\n")

# 6. The legacy (pre-1.6, non-zip) format.
save("legacy.pth", {"w": torch.ones(2)}, _use_new_zipfile_serialization=False)

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
print("fixtures written:", sorted(os.listdir(out)))

# For the record: the globals each fixture's pickle references (what the C++ unpickler must cope with).
import pickletools  # noqa: E402

for name in sorted(os.listdir(out)):
    if not name.endswith(".pth") or not zipfile.is_zipfile(os.path.join(out, name)):
        continue
    with zipfile.ZipFile(os.path.join(out, name)) as z:
        pkl = z.read([n for n in z.namelist() if n.endswith("/data.pkl")][0])
    found, strings = set(), []
    for opcode, arg, _ in pickletools.genops(pkl):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        if opcode.name == "GLOBAL":
            found.add(arg.replace(" ", "."))
        if opcode.name == "STACK_GLOBAL":
            found.add(strings[-2] + "." + strings[-1])
    print(name, sorted(found))
