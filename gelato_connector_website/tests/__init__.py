from . import test_gelato_website_cart
from . import test_gelato_website_checkout
from . import test_gelato_website_tour
from . import test_gelato_website_publish
