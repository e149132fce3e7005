#pragma once
// Runs independent appliance requests of one PKCS#11 call side by side (issue 14 §2):
// a small fixed number of workers, the calling thread being one of them, each taking
// the next task index until none is left. No thread per task, no thread outlives the
// call. With one worker (CKF_LIBRARY_CANT_CREATE_OS_THREADS, disable_threads) every
// task runs inline on the caller's thread.
#include <cstddef>
#include <functional>

#include "util/result.hpp"

namespace p11nethsm::mech {

// Calls task(0) … task(count - 1) on at most `workers` threads. After the first failure
// no further task is started; that failure is returned once the running ones end. A
// task that throws counts as a failure (CKR_GENERAL_ERROR). If a thread cannot be
// created, the tasks run on the workers that exist.
Status runBounded(size_t count, size_t workers, const std::function<Status(size_t)>& task);

}  // namespace p11nethsm::mech
