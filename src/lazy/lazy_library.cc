#include "lazy/lazy_library.h"

#include <mutex>
#include <string>

#include "common/error.h"

namespace mini::lazy {

void* symbol(const Library& library, const char* name) {
  // dlopen counts references; one handle per library is kept for good.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  void* handle = ::dlopen(library.soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    throw Error(std::string("mini needs ") + library.soname + " for this (" + (why ? why : "dlopen failed") +
                "); install the " + library.package + " package");
  }
  ::dlerror();
  void* address = ::dlsym(handle, name);
  if (address == nullptr) {
    const char* why = ::dlerror();
    throw Error(std::string(library.soname) + " lacks " + name + " (" + (why ? why : "no such symbol") +
                "); install the version of " + library.package + " mini was built with");
  }
  return address;
}

}  // namespace mini::lazy
