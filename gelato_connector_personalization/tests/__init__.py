from . import test_personalization_render
from . import test_personalization_layout
from . import test_personalization_flow
from . import test_personalization_portal
from . import test_personalization_tour
from . import test_personalization_concurrency
