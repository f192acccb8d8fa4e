"""The review pack's Jinja2 templates and stylesheet.

This folder is where the pack's look is edited. It ships inside the installed tool as the package
`pipeline.report_templates` (see pyproject.toml), and `pipeline.pack` reads it with
`importlib.resources`, so a wheel installed anywhere finds it without this source tree.
"""
