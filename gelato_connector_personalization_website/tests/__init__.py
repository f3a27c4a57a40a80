from . import test_personalization_website
