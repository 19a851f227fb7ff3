"""``trainlab.server``: the Jupyter server extension (REST API for datasets and jobs, and the
job scheduler). The only layer that imports jupyter_server and tornado; it is found through
``trainlab._jupyter_server_extension_points``."""
