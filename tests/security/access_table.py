"""Who gets what: the written access table of every URL of the portal.

One line per route and method, one column per person (test_access_table.py beside it visits
every URL as each of them and compares):

    anon   nobody: no session, and any link in the URL is a forged one
    link   a customer holding the real emailed link (survey, complaint, case status, set
           password, unsubscribe); otherwise no session, like anon
    rep    rep A, who made the sale and owns the case
    rep2   rep B, of the other team
    mgr    the manager of rep A's team
    mgr2   the manager of the other team
    admin  an admin

Staff visit a link URL with a forged token, like anon: a staff session is no key to a
customer's pages.

What each cell means:

    200, 204, 401, 403, 404, 405, 410  exactly that status
    L    a redirect to the login page
    R    a redirect elsewhere (302/303)
    OK   taken up (a POST with an empty form: 2xx, a redirect other than to login, 400 or 422
         with the form's own errors), neither refused nor crashed

A new route fails the test until it has a line here. Adding one is one line:
    "POST cases.snooze": (L, L, OK, 404, OK, 404, OK),
"""

from __future__ import annotations

PERSONAS = ("anon", "link", "rep", "rep2", "mgr", "mgr2", "admin")

L = "login"
R = "redirect"
OK = "ok"

STAFF_ONLY = (L, L, 200, 200, 200, 200, 200)
ADMIN_PAGE = (L, L, 403, 403, 403, 403, 200)
ADMIN_POST = (L, L, 403, 403, 403, 403, OK)
MANAGER_PAGE = (L, L, 403, 403, 200, 200, 200)
PUBLIC_PAGE = (200, 200, 200, 200, 200, 200, 200)
PUBLIC_POST = (OK, OK, OK, OK, OK, OK, OK)
# rep A's case: its owner, their manager and admins; for the others it does not exist.
OWN_CASE_POST = (L, L, OK, 404, OK, 404, OK)
OWN_CASE_MANAGER_POST = (L, L, 403, 403, OK, 404, OK)
# A customer's link: refused (404) without the real token, whoever is logged in.
LINK_PAGE = (404, 200, 404, 404, 404, 404, 404)
LINK_POST = (404, OK, 404, 404, 404, 404, 404)

ACCESS: dict[str, tuple] = {
    # method endpoint                        anon link rep  rep2 mgr  mgr2 admin
    "GET main.index":                        (L, L, R, R, R, R, R),
    "GET main.home":                         STAFF_ONLY,
    "GET main.healthz":                      PUBLIC_PAGE,
    "GET main.my_settings":                  STAFF_ONLY,
    "POST main.my_settings":                 (L, L, OK, OK, OK, OK, OK),
    # the company's logo (none saved here: 404) and colour, shown on customer pages
    "GET main.organisation_logo":            (404, 404, 404, 404, 404, 404, 404),
    "GET main.brand_css":                    PUBLIC_PAGE,
    "GET static":                            PUBLIC_PAGE,
    # logging in and passwords
    "GET auth.login":                        (200, 200, R, R, R, R, R),
    "POST auth.login":                       (OK, OK, R, R, R, R, R),
    "POST auth.logout":                      (L, L, L, L, L, L, L),
    "POST auth.logout_everywhere":           (L, L, L, L, L, L, L),
    "GET auth.forgot_password":              PUBLIC_PAGE,
    "POST auth.forgot_password":             PUBLIC_POST,
    "GET auth.set_password":                 (410, 200, 410, 410, 410, 410, 410),
    "POST auth.set_password":                (410, OK, 410, 410, 410, 410, 410),
    # the customer's pages
    "GET survey.answer":                     LINK_PAGE,
    "POST survey.answer":                    LINK_POST,
    "GET survey.thanks":                     (R, 200, R, R, R, R, R),
    "POST survey.opened":                    (404, 204, 404, 404, 404, 404, 404),
    "GET survey.unsubscribe":                LINK_PAGE,
    "POST survey.unsubscribe":               LINK_POST,
    "GET complaints.new":                    PUBLIC_PAGE,
    "POST complaints.new":                   PUBLIC_POST,
    "GET complaints.sent":                   (R, R, R, R, R, R, R),
    "GET complaints.confirm":                LINK_PAGE,
    "POST complaints.confirm":               LINK_POST,
    "GET complaints.from_survey":            LINK_PAGE,
    "POST complaints.from_survey":           LINK_POST,
    "GET complaints.status":                 LINK_PAGE,
    "GET complaints.case_status":            LINK_PAGE,
    "POST complaints.case_status":           LINK_POST,
    # the API: an API key, never a session
    "GET api.openapi":                       PUBLIC_PAGE,
    "POST api.create_sales":                 (401, 401, 401, 401, 401, 401, 401),
    # Reading cases needs an API key with the scope read:cases; a staff session is no key.
    "GET api.list_cases":                    (401, 401, 401, 401, 401, 401, 401),
    "GET api.get_case":                      (401, 401, 401, 401, 401, 401, 401),
    # cases
    "GET cases.index":                       STAFF_ONLY,
    "GET cases.export_csv":                  STAFF_ONLY,
    "GET cases.show":                        (L, L, 200, 404, 200, 404, 200),
    "GET cases.attachment":                  (L, L, 200, 404, 200, 404, 200),
    "GET cases.attachment_preview":          (L, L, 200, 404, 200, 404, 200),
    "POST cases.log_contact":                OWN_CASE_POST,
    "POST cases.email_customer":             OWN_CASE_POST,
    "POST cases.add_note":                   OWN_CASE_POST,
    "POST cases.resolve":                    OWN_CASE_POST,
    "POST cases.reopen":                     OWN_CASE_POST,
    # Its one field is optional: an empty form, which carries no case version, is stale (409).
    "POST cases.close_resolved_by_customer": (L, L, 409, 404, 409, 404, 409),
    "POST cases.wait_for_customer":          OWN_CASE_POST,
    "POST cases.take_back":                  OWN_CASE_POST,
    "POST cases.correct_label":              OWN_CASE_POST,
    "POST cases.change_severity":            OWN_CASE_MANAGER_POST,
    "POST cases.assign":                     OWN_CASE_MANAGER_POST,
    "POST cases.bulk_assign":                (L, L, 403, 403, OK, OK, OK),
    "GET cases.triage":                      MANAGER_PAGE,
    "POST cases.triage":                     (L, L, 403, 403, OK, OK, OK),
    "GET cases.corrections":                 MANAGER_PAGE,
    "GET cases.review":                      MANAGER_PAGE,
    # the answer of rep A's sale (already routed): their manager and admins; mgr2 never sees it
    "POST cases.mark_negative":              (L, L, 403, 403, OK, 404, OK),
    "POST cases.dismiss":                    (L, L, 403, 403, OK, 404, OK),
    # Takes only the posted ids still on the poster's own list: another team's are left alone.
    "POST cases.dismiss_confident":          (L, L, 403, 403, OK, OK, OK),
    "GET cases.corrections_csv":             MANAGER_PAGE,
    # performance (dashboard, scorecards, goals)
    "GET dashboard.index":                   MANAGER_PAGE,
    "GET dashboard.rep_scorecard":           (L, L, 200, 404, 200, 404, 200),
    "POST dashboard.add_note":               (L, L, 403, 403, OK, 404, OK),
    "GET dashboard.goals_page":              MANAGER_PAGE,
    "POST dashboard.goals_page":             (L, L, 403, 403, 400, 400, 400),  # form errors: 400
    "POST dashboard.delete_goal":            (L, L, 403, 403, OK, 404, OK),
    "GET dashboard.cases":                   STAFF_ONLY,
    "GET dashboard.export_cases":            MANAGER_PAGE,
    "GET dashboard.export_reps":             MANAGER_PAGE,
    # coaching: complaint themes (a rep: their own; a manager: their teams), the theme list
    "POST cases.correct_themes":             OWN_CASE_POST,
    "GET coaching.themes":                   STAFF_ONLY,  # each person's own (rep, team)
    "GET coaching.theme_cases":              STAFF_ONLY,
    "GET coaching.theme_list":               ADMIN_PAGE,
    "POST coaching.theme_list":              ADMIN_POST,
    "POST coaching.update_theme":            ADMIN_POST,
    # coaching plans of rep A: their manager makes and ends them, adds items and notes; rep A
    # ticks off their items; nobody else sees them (404)
    "GET coaching.new_plan":                 (L, L, 403, 403, 200, 404, 200),
    "POST coaching.new_plan":                (L, L, 403, 403, OK, 404, OK),
    "GET coaching.plan":                     (L, L, 200, 404, 200, 404, 200),
    "POST coaching.add_item":                (L, L, 403, 403, OK, 404, OK),
    "POST coaching.item_progress":           (L, L, OK, 404, 403, 404, 403),
    "GET coaching.item_file":                (L, L, 200, 404, 200, 404, 200),
    "POST coaching.plan_note":               (L, L, 403, 403, OK, 404, OK),
    "POST coaching.end_plan":                (L, L, 403, 403, OK, 404, OK),
    # check-ins: the "keep in touch" list, a customer's timeline (rep A's customer), the rules
    "GET checkins.index":                    STAFF_ONLY,
    "GET checkins.customer":                 (L, L, 200, 404, 200, 404, 200),
    "POST checkins.check_in":                OWN_CASE_POST,
    "GET checkins.rules":                    ADMIN_PAGE,
    "POST checkins.rules":                   ADMIN_POST,
    # the first-run page of a new install: gone for good once any user exists
    "GET solo.first_run":                    (404, 404, 404, 404, 404, 404, 404),
    "POST solo.first_run":                   (404, 404, 404, 404, 404, 404, 404),
    # administration
    "GET admin.users":                       ADMIN_PAGE,
    "GET admin.new_user":                    ADMIN_PAGE,
    "POST admin.new_user":                   ADMIN_POST,
    "GET admin.edit_user":                   ADMIN_PAGE,
    "POST admin.edit_user":                  ADMIN_POST,
    "POST admin.deactivate_user":            ADMIN_POST,
    "POST admin.reactivate_user":            ADMIN_POST,
    "POST admin.send_password_link":         ADMIN_POST,
    "POST admin.logout_user_everywhere":     ADMIN_POST,
    "GET admin.teams":                       ADMIN_PAGE,
    "GET admin.new_team":                    ADMIN_PAGE,
    "POST admin.new_team":                   ADMIN_POST,
    "GET admin.edit_team":                   ADMIN_PAGE,
    "POST admin.edit_team":                  ADMIN_POST,
    "GET admin.sla_policies":                ADMIN_PAGE,
    "POST admin.sla_policies":               ADMIN_POST,
    "GET admin.sla_preview":                 ADMIN_PAGE,
    "GET admin.holidays":                    ADMIN_PAGE,
    "POST admin.holidays":                   ADMIN_POST,
    "POST admin.delete_holiday":             ADMIN_POST,
    "GET admin.survey_policy":               ADMIN_PAGE,
    "POST admin.survey_policy":              ADMIN_POST,
    "GET admin.survey_invitations":          ADMIN_PAGE,
    "POST admin.resend_invitation":          ADMIN_POST,
    "GET admin.survey_unsubscribed":         ADMIN_PAGE,
    "GET admin.api_keys":                    ADMIN_PAGE,
    "GET admin.new_api_key":                 ADMIN_PAGE,
    "POST admin.new_api_key":                ADMIN_POST,
    "POST admin.revoke_api_key":             ADMIN_POST,
    "GET admin.webhooks":                    ADMIN_PAGE,
    "GET admin.new_webhook":                 ADMIN_PAGE,
    "POST admin.new_webhook":                ADMIN_POST,
    "GET admin.webhook":                     ADMIN_PAGE,
    "POST admin.test_webhook":               ADMIN_POST,
    "POST admin.disable_webhook":            ADMIN_POST,
    "POST admin.enable_webhook":             ADMIN_POST,
    "POST admin.delete_webhook":             ADMIN_POST,
    "GET admin.system_status":               ADMIN_PAGE,
    "GET admin.failed_work":                 ADMIN_PAGE,
    "POST admin.retry_failed_work":          ADMIN_POST,
    "GET admin.audit_log":                   ADMIN_PAGE,
    "GET admin.audit_log_csv":               ADMIN_PAGE,
    "GET admin.customer_data":               ADMIN_PAGE,
    "GET admin.customer_record":             ADMIN_PAGE,
    "POST admin.export_customer_json":       ADMIN_POST,
    "POST admin.export_customer_html":       ADMIN_POST,
    "GET admin.anonymise_customer":          ADMIN_PAGE,
    "POST admin.anonymise_customer":         ADMIN_POST,
    "GET admin.organisation":                ADMIN_PAGE,
    "POST admin.organisation":               ADMIN_POST,
}  # fmt: skip
