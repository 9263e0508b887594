"""The portal: server-rendered pages (Jinja templates in ``templates/web/``, KERN UX styles
vendored under ``static/``) that use the same services as the API, and work without
JavaScript. So far the public part: the start page with the open calls, the guideline's
rules, and the anonymous pre-check as a form.

Other features may import the modules in ``__all__`` (submodules, not imported here).
"""

__all__: list[str] = []
