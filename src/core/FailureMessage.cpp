#include "core/FailureMessage.h"

#include <c10/util/Exception.h>

#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/Error.h"

namespace cpq {

namespace {

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::string failureMessage(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const Error& e) {
    return std::string("error: ") + e.what();
  } catch (const std::bad_alloc&) {
    return "error: out of memory (an input asks for more memory than this machine has; check the sizes in "
           "the files and flags given)";
  } catch (const c10::Error& e) {
    return "error: libtorch: " + firstLine(e.what_without_backtrace());
  } catch (const nlohmann::json::exception& e) {
    return "error: JSON: " + firstLine(e.what());
  } catch (const std::exception& e) {
    return "error: internal error (please report it): " + firstLine(e.what());
  } catch (...) {
    return "error: internal error (please report it): an exception of unknown type";
  }
}

}  // namespace cpq
