"""The public site, and the layout every page of dermawan uses.

For other apps' pages (the back office, the receipt check)::

    {% extends "site/base.html" %}
    {% load i18n site_format %}
    {% block title %}...{% endblock %}        the page's name (" · dermawan" follows)
    {% block content %}...{% endblock %}      inside <main id="main">
    {% block scripts %}...{% endblock %}      extra <script src> at the end of <body>
    {% block head %}{% endblock %}            extra tags in <head>
    {% block nav_extra %}{% endblock %}       extra <li> in the main navigation

    {% include "site/field.html" with field=form.x %}   a labelled field, its errors beside it
    {% include "site/form_errors.html" %}               a form's non-field errors
    {% include "site/pager.html" %}                     needs page_obj (and query_string)

    {{ amount_minor|money:currency }}  {{ amount_minor|money_short:currency }}
    {{ when|day }}  {{ when|moment }}  {{ instant_us|micros|day }}  {{ n|number }}

Pages may run no inline script or style (Content-Security-Policy 'self'):
put scripts in static files and data in ``json_script``. CSS classes:
``site/static/site/site.css`` (``card``, ``grid``, ``figures``, ``tag good|warn|bad``,
``table.stack`` for tables that stack on a phone, ``button``, ``notice``).
"""
