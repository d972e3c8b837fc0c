"""The REST API ``/api/v1/`` (django-ninja): the register, figures, alerts, forecasts, imports and
personal tokens, under the same permission choke point and services as the pages."""
