"""Pages reached by link rather than by signing in: accepting an invitation, the calendar feed;
and the staff page that sends an invitation, and the owner's calendar settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cutis.clinic.scoping import dog_for, staff_of
from cutis.portal.access import owner_of
from cutis.portal.forms import AcceptForm, InviteForm
from cutis.portal.services.calendar import (
    active_feed,
    feed_owner,
    new_feed,
    owner_calendar,
    revoke_feeds,
)
from cutis.portal.services.invitations import (
    InvitationError,
    accept_invitation,
    invite_owner,
    open_invitation,
    send_invitation,
)
from cutis.web.csp import FILE_POLICY

GONE = 410


@login_required
def invite(request: HttpRequest, dog_id: int) -> HttpResponse:
    """Staff: invite an owner or a co-owner of this dog; the link goes out by e-mail."""
    dog = dog_for(request, dog_id)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = invite_owner(
                dog,
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                invited_by=staff_of(request).user,
                now=timezone.now(),
            )
        except InvitationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            link = request.build_absolute_uri(reverse("portal:accept", args=[token]))
            send_invitation(invitation, link)
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("clinic:dog_detail", dog_id=dog.pk)
    context = {"dog": dog, "form": form, "caregivers": dog.owners.filter(voided_at__isnull=True)}
    return render(request, "portal/staff/invite.html", context)


@never_cache
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """An invited owner sets a password; the link then stops working."""
    now = timezone.now()
    try:
        invitation = open_invitation(token, now)
    except InvitationError as error:
        return render(request, "portal/accept_closed.html", {"reason": error.message}, status=GONE)
    has_account = invitation.owner.user is not None
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and (has_account or form.is_valid()):
        try:
            _invitation, user = accept_invitation(
                token,
                password=form.cleaned_data.get("password", "") if not has_account else "",
                now=now,
            )
        except InvitationError as error:
            form.add_error("password" if error.field == "password" else None, error.message)
        else:
            if has_account:
                messages.success(request, f"{invitation.dog.name} is on your page. Sign in.")
                return redirect("login")
            login(request, user, backend="cutis.clinic.backends.StaffModelBackend")
            messages.success(request, "Welcome. Here is what to do today.")
            return redirect("portal:home")
    context = {"invitation": invitation, "form": form, "has_account": has_account}
    return render(request, "portal/accept.html", context)


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    """The owner's calendar link: make a new one (the old one stops working) or turn it off."""
    owner = owner_of(request)
    link = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            revoke_feeds(owner, timezone.now())
            messages.success(request, "Your calendar link is turned off.")
            return redirect("portal:calendar")
        token = new_feed(owner, timezone.now())
        link = request.build_absolute_uri(reverse("portal:feed", args=[token]))
    context = {"owner": owner, "link": link, "feed": active_feed(owner)}
    return render(request, "portal/calendar.html", context)


@never_cache
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The ICS file: no sign-in (calendar apps cannot), the unguessable token is the key."""
    owner = feed_owner(token)
    if owner is None:
        raise Http404("no such calendar")
    response = HttpResponse(owner_calendar(owner), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cutis-home-care.ics"'
    response["Content-Security-Policy"] = FILE_POLICY
    return response
