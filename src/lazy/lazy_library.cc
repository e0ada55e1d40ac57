#include "lazy/lazy_library.h"

#include <dlfcn.h>

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
    throw Error(std::string("mini needs ") + library.soname + " for this and can't load it (" +
                (why ? why : "dlopen failed") + "); install " + library.install);
  }
  ::dlerror();
  void* address = ::dlsym(handle, name);
  if (address == nullptr) {
    const char* why = ::dlerror();
    throw Error(std::string(library.soname) + " has no " + name + ", which mini calls (" +
                (why ? why : "no such symbol") + "); install " + library.install);
  }
  return address;
}

}  // namespace mini::lazy
