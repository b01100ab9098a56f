#!/usr/bin/env python3
"""Checks that Python reads what centerpoint-quant writes: written_by_cpq.pth through torch.load (with and
without weights_only) and written_by_cpq.safetensors through the safetensors package, against
written_by_cpq.json (written by the C++ test CheckpointFixtures.WriteCpqFixtures). Prints OK or raises."""
import collections
import json
import os
import sys

import torch

here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "written_by_cpq.json")) as f:
    expected = json.load(f)


def check(sd, what, ordered_dict):
    if ordered_dict:
        assert type(sd) is collections.OrderedDict, (what, type(sd))
    assert list(sd.keys()) == [e["name"] for e in expected], (what, list(sd.keys()))
    for e in expected:
        t = sd[e["name"]]
        assert str(t.dtype) == "torch." + e["dtype"], (what, e["name"], t.dtype)
        assert list(t.shape) == e["shape"], (what, e["name"], t.shape)
        want = torch.tensor(e["values"], dtype=torch.float64 if t.is_floating_point() else torch.int64)
        got = t.double() if t.is_floating_point() else t.long()
        assert torch.equal(got.flatten(), want), (what, e["name"], got, want)
        assert t.is_contiguous(), (what, e["name"])
    print(what, "OK", len(expected), "tensors")


path = os.path.join(here, "written_by_cpq.pth")
check(torch.load(path, weights_only=True), "torch.load(weights_only=True)", True)
check(torch.load(path, weights_only=False), "torch.load(weights_only=False)", True)
try:
    import safetensors.torch

    st = safetensors.torch.load_file(os.path.join(here, "written_by_cpq.safetensors"))
    st = collections.OrderedDict((e["name"], st[e["name"]]) for e in expected)
    check(st, "safetensors.torch.load_file", False)
    with safetensors.safe_open(os.path.join(here, "written_by_cpq.safetensors"), "pt") as f:
        print("safetensors metadata", f.metadata())
except ImportError:
    print("safetensors not installed: skipped")
print("ALL OK")
