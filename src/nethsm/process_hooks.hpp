#pragma once
// The process-wide hooks core needs at exit, unload and fork (transport/process_guard.hpp,
// docs/lifetime.md), re-exported so that core depends on nethsm's headers only.
#include "transport/process_guard.hpp"

namespace p11nethsm::nethsm {

using transport::abortAllTransfers;
using transport::ActivityScope;
using transport::armForkHandlers;
using transport::initializeNetworkLibraries;

}  // namespace p11nethsm::nethsm
