// The baseline x86-64 bodies of the lane kernels of elementary_lanes.h (kvlab_base_…): Box–Muller, rows of
// exp, the per-token terms of the attention metrics and the per-row sums of the geometry metrics.

#define KVLAB_LANES_AVX2 0
#define KVLAB_LANE_NAME(name) kvlab_base_##name

#include "elementary_lanes.h"
