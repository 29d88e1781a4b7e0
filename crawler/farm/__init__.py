"""duwang demo web farm: a deterministic fake of the 25 临夏州 government sites, served on loopback.

build_farm() builds the model (pure), FarmServer serves it on 127.0.0.x with one shared port and records
every request, serve() is what `duwang farm` runs. The ground truth says exactly which defects were injected.
"""

from .behaviours import Behaviours
from .model import build_farm
from .server import FarmServer, serve

__all__ = ["Behaviours", "FarmServer", "build_farm", "serve"]
