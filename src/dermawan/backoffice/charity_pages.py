"""The charity's back office: its projects, progress reports, bank accounts and payouts.

Every query is narrowed to the signed-in charity first; another charity's
project or account answers 404, like one that does not exist. Figures come
from the engine's per-project rollup, never from a scan of donations.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dermawan.accounts.roles import membership, role_required
from dermawan.auditlog.entries import record as audit
from dermawan.backoffice import charity_money
from dermawan.backoffice.charity_forms import (
    BankAccountForm,
    EndBankAccountForm,
    PhotoForm,
    ProjectForm,
    ReportForm,
)
from dermawan.backoffice.office import actor, page_of, record_id, row_id, show
from dermawan.banking.account_rules import InvalidAccount
from dermawan.banking.bank_accounts import (
    BankAccountRefused,
    add_bank_account,
    end_bank_account,
)
from dermawan.banking.models import BankAccount
from dermawan.catalog.models import Charity, Project, ProjectPhoto
from dermawan.donations.models import ProjectTotals
from dermawan.impact.models import ProgressReport, ReportPhoto


def _charity_id(request: HttpRequest) -> str:
    member = membership(request)
    assert member is not None and member.owner_id is not None  # role_required let it in
    return member.owner_id


def own_project(request: HttpRequest, project_id: str) -> Project:
    project = Project.objects.filter(
        id=record_id(project_id), charity_id=_charity_id(request)
    ).first()
    if project is None:
        raise Http404
    return project


@role_required("charity")
def home(request: HttpRequest) -> HttpResponse:
    charity_id = _charity_id(request)
    projects = list(Project.objects.filter(charity_id=charity_id).order_by("name", "id"))
    totals: dict[str, list[ProjectTotals]] = {}
    for row in ProjectTotals.objects.filter(project_id__in=[p.id for p in projects]).order_by(
        "currency"
    ):
        totals.setdefault(row.project_id, []).append(row)
    reports = (
        ProgressReport.objects.filter(project__charity_id=charity_id)
        .select_related("project")
        .order_by("-published_at", "-id")[:10]
    )
    context = {
        "charity": Charity.objects.filter(id=charity_id).first(),
        "rows": [(p, totals.get(p.id, [])) for p in projects],
        "reports": reports,
    }
    return show(request, "charity/home.html", "projects", context)


def _project_page(
    request: HttpRequest,
    project: Project,
    form: ProjectForm | None = None,
    photo_form: PhotoForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        form = ProjectForm(project, initial=charity_money.project_initial(project))
    context = {
        "project": project,
        "form": form,
        "photo_form": photo_form or PhotoForm(),
        "photos": ProjectPhoto.objects.filter(project=project),
        "reports": ProgressReport.objects.filter(project=project)[:20],
    }
    return show(request, "charity/project.html", "projects", context, status)


@role_required("charity")
@require_http_methods(["GET", "POST"])
def project(request: HttpRequest, project_id: str) -> HttpResponse:
    found = own_project(request, project_id)
    if request.method == "GET":
        return _project_page(request, found)
    form = ProjectForm(found, request.POST)
    if not form.is_valid():
        return _project_page(request, found, form=form, status=400)
    data = form.cleaned_data
    with transaction.atomic():
        Project.objects.filter(id=found.id).update(
            goal_minor=data["goal"],
            impact_unit_minor=data["impact_unit"],
            impact_unit_id=data["impact_unit_id"],
            impact_unit_en=data["impact_unit_en"],
            impact_unit_zh_hans=data["impact_unit_zh_hans"],
        )
        audit(
            actor(request),
            "project.edit",
            f"project:{found.id}",
            goal_minor=data["goal"],
            impact_unit_minor=data["impact_unit"],
        )
    messages.success(request, _("The project is saved."))
    return HttpResponseRedirect(reverse("backoffice:project", args=[found.id]))


@role_required("charity")
@require_POST
def add_photos(request: HttpRequest, project_id: str) -> HttpResponse:
    found = own_project(request, project_id)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _project_page(request, found, photo_form=form, status=400)
    with transaction.atomic():
        start = ProjectPhoto.objects.filter(project=found).count()
        for offset, image in enumerate(form.cleaned_data["photos"]):
            ProjectPhoto.objects.create(
                project=found,
                image=image,
                caption=form.cleaned_data["caption"],
                position=start + offset,
            )
        audit(
            actor(request),
            "project.photos",
            f"project:{found.id}",
            added=len(form.cleaned_data["photos"]),
        )
    messages.success(request, _("The photos are added."))
    return HttpResponseRedirect(reverse("backoffice:project", args=[found.id]))


@role_required("charity")
@require_http_methods(["GET", "POST"])
def new_report(request: HttpRequest, project_id: str) -> HttpResponse:
    found = own_project(request, project_id)
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            report = ProgressReport.objects.create(
                project=found,
                title=data["title"],
                body=data["body"],
                beneficiaries=data["beneficiaries"],
                published_at=timezone.now(),
                author=request.user,  # type: ignore[misc]
            )
            for image in data["photos"]:
                ReportPhoto.objects.create(report=report, image=image)
            audit(
                actor(request),
                "report.publish",
                f"project:{found.id}",
                report=report.pk,
                beneficiaries=report.beneficiaries,
            )
        messages.success(request, _("The progress report is published."))
        return HttpResponseRedirect(reverse("backoffice:project", args=[found.id]))
    status = 400 if request.method == "POST" else 200
    context = {"project": found, "form": form}
    return show(request, "charity/new_report.html", "projects", context, status)


def _bank_page(
    request: HttpRequest, form: BankAccountForm | None = None, status: int = 200
) -> HttpResponse:
    accounts = BankAccount.objects.filter(charity_id=_charity_id(request)).order_by(
        "ended_at", "-created_at"
    )
    context = {
        "accounts": accounts,
        "form": form or BankAccountForm(),
        "end_form": EndBankAccountForm(),
    }
    return show(request, "charity/bank_accounts.html", "bank", context, status)


@role_required("charity")
@require_http_methods(["GET", "POST"])
def bank_accounts(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _bank_page(request)
    form = BankAccountForm(request.POST)
    if not form.is_valid():
        return _bank_page(request, form, 400)
    data = form.cleaned_data
    try:
        add_bank_account(
            actor=actor(request),
            charity_id=_charity_id(request),
            holder_name=data["holder_name"],
            currency=data["currency"],
            iban=data["iban"] or None,
            bic=data["bic"] or None,
            bank_code=data["bank_code"] or None,
            account_number=data["account_number"] or None,
        )
    except InvalidAccount as invalid:
        for error in invalid.errors:
            field = error.field if error.field in form.fields else None
            form.add_error(field, charity_money.bank_error(error.field, error.reason))
        return _bank_page(request, form, 400)
    except BankAccountRefused:
        form.add_error(
            "currency",
            _("You already have an active account in this currency. End it first."),
        )
        return _bank_page(request, form, 400)
    messages.success(request, _("The bank account is added."))
    return HttpResponseRedirect(reverse("backoffice:bank_accounts"))


@role_required("charity")
@require_POST
def end_account(request: HttpRequest, account_id: str) -> HttpResponse:
    account = BankAccount.objects.filter(
        id=row_id(account_id), charity_id=_charity_id(request)
    ).first()
    if account is None:
        raise Http404
    form = EndBankAccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The reason is too long (at most 200 characters)."))
        return HttpResponseRedirect(reverse("backoffice:bank_accounts"))
    try:
        end_bank_account(account.pk, actor=actor(request), reason=form.cleaned_data["reason"])
    except BankAccountRefused:
        messages.error(request, _("This account has already ended."))
    else:
        messages.success(request, _("The bank account is ended."))
    return HttpResponseRedirect(reverse("backoffice:bank_accounts"))


@role_required("charity")
def payouts(request: HttpRequest) -> HttpResponse:
    found = charity_money.payouts_of(_charity_id(request))
    return show(request, "charity/payouts.html", "payouts", {"page": page_of(request, found)})
