"""The catalogues of trainlab's JupyterLab sidebar (``fa_IR/LC_MESSAGES/trainlab.json``,
JupyterLab's Gettext JSON, domain ``trainlab``).

No code: this package is the anchor of two entry points (pyproject.toml). jupyterlab_server
serves an extension's catalogue (``jupyterlab.locale``) only for a locale whose language pack
is installed, and there is no Persian JupyterLab pack; ``jupyterlab.languagepack`` ``fa_IR``
points here, so Persian is selectable in Settings > Language and the sidebar speaks it
(JupyterLab's own menus stay English). Were an official ``fa_IR`` pack ever installed, the two
packs' entry points would share a name: the ``jupyterlab.locale`` entry still merges ours in.
"""
