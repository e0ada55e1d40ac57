#pragma once
// The cgroup drivers' one interface; the drivers are in cgroup/.
#include "runtime/cgroup/driver.h"
