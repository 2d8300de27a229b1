"""The back office's routes, under /office/ (included by dermawan.urls)."""

from django.urls import URLPattern, path

from dermawan.backoffice import (
    admin_pages,
    admin_reviews,
    admin_runs,
    charity_pages,
    merchant_pages,
    start,
    statement_files,
)

app_name = "backoffice"
urlpatterns: list[URLPattern] = [
    path("", start.start, name="start"),
    # merchant
    path("merchant/", merchant_pages.home, name="merchant"),
    path("merchant/pledges/new/", merchant_pages.new_pledge, name="new_pledge"),
    path("merchant/pledges/<str:pledge_id>/", merchant_pages.pledge, name="pledge"),
    path("merchant/pledges/<str:pledge_id>/end/", merchant_pages.end_pledge, name="end_pledge"),
    path("merchant/statements/", merchant_pages.statements, name="merchant_statements"),
    path(
        "statements/<str:period>.<str:file_format>",
        statement_files.statement,
        name="statement",
    ),
    # charity
    path("charity/", charity_pages.home, name="charity"),
    path("charity/projects/<str:project_id>/", charity_pages.project, name="project"),
    path("charity/projects/<str:project_id>/photos/", charity_pages.add_photos, name="add_photos"),
    path(
        "charity/projects/<str:project_id>/reports/new/",
        charity_pages.new_report,
        name="new_report",
    ),
    path("charity/bank-accounts/", charity_pages.bank_accounts, name="bank_accounts"),
    path(
        "charity/bank-accounts/<str:account_id>/end/", charity_pages.end_account, name="end_account"
    ),
    path("charity/payouts/", charity_pages.payouts, name="charity_payouts"),
    # admin
    path("admin/", admin_reviews.queue, name="admin"),
    path("admin/charities/<str:charity_id>/", admin_reviews.review, name="review"),
    path("admin/charities/<str:charity_id>/decide/", admin_reviews.decide, name="decide"),
    path("admin/documents/<str:document_id>/", admin_reviews.document, name="document"),
    path("admin/runs/", admin_runs.runs, name="runs"),
    path("admin/runs/<str:run_id>/", admin_runs.run, name="run"),
    path("admin/runs/<str:run_id>/approve/", admin_runs.approve_run, name="approve_run"),
    path("admin/dead-letters/", admin_pages.dead_letters, name="dead_letters"),
    path(
        "admin/dead-letters/<str:delivery_id>/retry/",
        admin_pages.retry_dead_letter,
        name="retry_dead_letter",
    ),
    path("admin/audit/", admin_pages.audit_log, name="audit"),
]
