"""The seed's service code paths, rewritten here to run beside our adapters.

The seed is ``alexpialetski/stereo-spot`` at revision ``dd40dad``; its services
import ``stereo_spot_shared`` (ours, once our wheels replace shared-types) and
reach storage either through the shared interfaces or, in the reassembly
trigger, through raw boto3 calls. Each function here does what the cited seed
function does, call for call, so a change of ours that would break the seed's
services breaks these first. Nothing here is the seed's code: only its paths.

``SEED`` is the revision every ``file:line`` in this package refers to.
"""

SEED = "dd40dad"
