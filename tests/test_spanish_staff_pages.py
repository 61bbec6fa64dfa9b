"""Staff read their pages in Spanish: admins, authors, managers, and the export screens.

`?lang=es` asks for Spanish; without it every page stays in US English. Names, course titles
and the export's column headers (read by accreditors and importing systems) are never
translated.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from lms import dates
from lms.accounts.models import Role
from lms.extensions import db
from lms.organizations import services
from tests.test_certificates import complete
from tests.test_organizations import FRONT_DESK, course


@pytest.fixture()
def clinic_with_training(app, make_user, publish):
    """A clinic with a manager and two staff, the front-desk course assigned to everyone."""
    publish()
    admin = make_user(role=Role.ADMIN, name="Ada Admin")
    organization = services.create_organization("Example Valley Clinic", "clinic", actor=admin)
    manager = make_user(name="Mo Manager", profession="clinic-staff")
    services.add_member(organization, manager, "manager", actor=admin)
    for n in (1, 2):
        services.add_member(
            organization,
            make_user(name=f"Staff {n}", profession="clinic-staff"),
            "member",
            actor=admin,
        )
    services.assign_course(
        course(FRONT_DESK),
        due_date=dates.today() + timedelta(days=10),
        actor=admin,
        organization=organization,
        today=dates.today(),
    )
    db.session.commit()
    return {"admin": admin, "manager": manager, "organization": organization}


def text_of(response) -> str:
    """Return a page's text as a reader sees it: tags dropped, entities decoded, spaces joined."""
    assert response.status_code == 200, response.status_code
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def headings_and_buttons(response) -> list[str]:
    """Return the text of every heading, button and table header cell on a page."""
    found = re.findall(r"<(h[1-3]|button|th)\b[^>]*>(.*?)</\1>", response.text, flags=re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split()) for _, inner in found]


# Each staff page, what a Spanish reader sees on it, and the English it replaces.
ADMIN_PAGES = {
    "/admin/": (
        ["Administración", "Personas", "Cuentas por rol", "Participante", "Registros"],
        ["Administration", "Accounts by role", "Manage people, roles and account status"],
    ),
    "/admin/users": (
        ["Buscar por nombre o correo electrónico", "Su propia cuenta", "Desactivar", "Guardar"],
        ["Search by name or email", "Your own account", "Deactivate"],
    ),
    "/admin/reports": (
        [
            "Informes",
            "Totales de todos los cursos",
            "Cursos completados a lo largo del tiempo",
            "Cursos completados por mes, todos los cursos",
            "Embudo de finalización",
            "Se inscribieron",
            "(hasta ahora)",
        ],
        ["Completions over time", "Completion funnel", "Totals for all courses", "(so far)"],
    ),
    "/admin/audit": (
        [
            "Registro de auditoría",
            "La acción empieza con",
            "Filtrar",
            "Ada Admin creó la organización Example Valley Clinic.",
            "Ada Admin asignó Trauma-Informed Care at the Front Desk a todas las personas de "
            "Example Valley Clinic",
        ],
        ["Audit log", "What happened", "created the organization"],
    ),
    "/admin/organizations": (
        ["Organizaciones", "Agregar una organización", "Clínica", "Agregar organización"],
        ["Add an organization", "No organizations yet."],
    ),
    "/admin/exports": (
        [
            "Exportar cursos completados",
            "Filtros",
            "Completado a partir del",
            "Mostrar las filas que coinciden",
            "Descargar CSV",
            "Cursos completados y solicitudes de crédito",
        ],
        ["Completion exports", "Show matching rows", "Download CSV"],
    ),
    "/admin/exports/pars": (
        ["Informe para la junta ABP (MOC Part 2)", "Participantes omitidos"],
        ["Learners skipped", "Download board report (CSV)"],
    ),
}


def test_an_admin_reads_every_staff_page_in_spanish(client, auth, clinic_with_training):
    auth.login_as(clinic_with_training["admin"])
    for path, (spanish, english) in ADMIN_PAGES.items():
        response = client.get(f"{path}?lang=es")
        shown = text_of(response)
        for phrase in spanish:
            assert phrase in shown, (path, phrase)
        for phrase in english:
            assert phrase not in shown, (path, phrase)


def test_the_authoring_page_speaks_spanish_and_keeps_the_guide_in_its_own_language(
    client, auth, make_user, clinic_with_training
):
    auth.login_as(make_user(role=Role.AUTHOR, name="Ana Author"))
    response = client.get("/authoring?lang=es")
    shown = text_of(response)
    for phrase in (
        "Creación de cursos",
        "Disponible en el catálogo en la versión 1.",
        "Versiones publicadas de Trauma-Informed Care at the Front Desk",
        "Fecha de publicación",
        "Lo completaron",
        "la guía para crear cursos",
    ):
        assert phrase in shown, phrase
    assert "<strong>Disponible</strong>" in response.text
    assert not {"Authoring", "Version", "Published", "Learners"} & set(
        headings_and_buttons(response)
    )
    guide = client.get("/authoring/guide?lang=es")
    assert "Volver a Creación de cursos" in text_of(guide)
    # The guide itself is written in English: it says so to screen readers.
    assert '<div class="prose" lang="en">' in guide.text


def test_a_manager_follows_their_team_in_spanish(client, auth, clinic_with_training):
    auth.login_as(clinic_with_training["manager"])
    organization = clinic_with_training["organization"]
    response = client.get(f"/organizations/{organization.id}?lang=es")
    shown = text_of(response)
    for phrase in (
        "Personas y sus cursos asignados",
        "Sin comenzar: 3",
        "Mo Manager (supervisor/a)",
        "Enviar recordatorios",
        "Asignar un curso",
        "Todas las personas de Example Valley Clinic",
        "Fecha límite",
        "Asignaciones",
        "Quitar…",
    ):
        assert phrase in shown, phrase
    # The status keeps its English identifier for the stylesheet, with a Spanish label.
    assert '<span class="status status-not-started">Sin comenzar</span>' in response.text
    shown_labels = headings_and_buttons(response)
    for english in ("Person", "Course", "Status", "Progress", "Send reminders", "Assign"):
        assert english not in shown_labels, english
    # The manager sees their staff (to remove them) and invites people, but never the admins'
    # form that adds an account by its email address.
    assert "Miembros y supervisores" in shown and "Invitar personas" in shown
    assert "Agregar a alguien que ya tiene cuenta" not in shown


def test_the_organization_admin_page_shows_spanish_to_an_admin(client, auth, clinic_with_training):
    auth.login_as(clinic_with_training["admin"])
    organization = clinic_with_training["organization"]
    manager = clinic_with_training["manager"]
    shown = text_of(client.get(f"/organizations/{organization.id}?lang=es"))
    for phrase in (
        "Todas las organizaciones",
        "Miembros y supervisores",
        f"Mo Manager ({manager.email}), supervisor/a",
        "Correo electrónico de la persona",
        "Rol en la organización",
        "Agregar persona",
    ):
        assert phrase in shown, phrase


def test_form_errors_come_back_in_spanish_through_the_rendered_form(
    client, auth, clinic_with_training
):
    auth.login_as(clinic_with_training["admin"])
    response = client.post("/admin/organizations?lang=es", data={"name": "  ", "kind": "clinic"})
    assert response.status_code == 200
    assert "Escriba un nombre para la organización." in text_of(response)
    assert "Give the organization a name." not in response.text

    organization = clinic_with_training["organization"]
    response = client.post(
        f"/organizations/{organization.id}/members?lang=es",
        data={"email": "nobody@example.org", "role": "member"},
    )
    assert (
        "Ninguna cuenta usa ese correo electrónico. "
        "Pídale a la persona que primero cree una cuenta." in text_of(response)
    )

    response = client.get("/admin/exports?lang=es&since=2026-03-01&until=2026-02-01")
    assert "Elija una fecha igual o posterior a la primera fecha." in text_of(response)


def test_a_flash_after_a_spanish_form_is_spanish(client, auth, clinic_with_training):
    auth.login_as(clinic_with_training["admin"])
    response = client.post(
        "/admin/organizations?lang=es",
        data={"name": "North Clinic", "kind": "clinic"},
        follow_redirects=True,
    )
    assert "Se creó North Clinic. Ahora agregue a sus integrantes." in text_of(response)


def test_export_rows_keep_the_file_s_english_column_headers(
    client, auth, make_user, clinic_with_training
):
    learner = make_user(name="Sofía Ramírez", profession="clinic-staff")
    auth.login_as(learner)
    complete(client, FRONT_DESK)
    auth.logout()
    auth.login_as(clinic_with_training["admin"])
    response = client.get("/admin/exports?lang=es")
    shown = text_of(response)
    assert "1 fila coincide con estos filtros." in shown
    assert "1 fila en total, tal como se exporta" in shown
    # Accreditors and importing systems read these names: the screen shows them as the file
    # has them, marked as English for screen readers.
    assert '<thead lang="en"><tr><th scope="col" class="num">learner_id</th>' in response.text
    assert "Sofía Ramírez" in shown
    empty = client.get(
        f"/admin/exports?lang=es&course={FRONT_DESK}&since=2000-01-01&until=2000-01-02"
    )
    assert "Ningún curso completado coincide con estos filtros." in text_of(empty)


def test_every_staff_page_stays_english_by_default(client, auth, make_user, clinic_with_training):
    auth.login_as(clinic_with_training["admin"])
    # Each request chooses its own language: a Spanish page before changes nothing after,
    # once the cookie a `?lang=` link leaves (lms.i18n remembers it) is gone.
    assert "Administración" in text_of(client.get("/admin/?lang=es"))
    client.delete_cookie("lang")
    for path, (spanish, english) in ADMIN_PAGES.items():
        shown = text_of(client.get(path))
        for phrase in english:
            assert phrase in shown or phrase == "No organizations yet.", (path, phrase)
        for phrase in spanish:
            if phrase.startswith(("Ada Admin", "Clínica")):
                continue
            assert phrase not in shown, (path, phrase)
    organization = clinic_with_training["organization"]
    shown = text_of(client.get(f"/organizations/{organization.id}"))
    assert "People and their assigned courses" in shown and "Not started: 3" in shown
    assert f"Mo Manager ({clinic_with_training['manager'].email}), manager" in shown
    assert "Clinic" in text_of(client.get("/admin/organizations"))
    auth.logout()
    auth.login_as(make_user(role=Role.AUTHOR))
    shown = text_of(client.get("/authoring"))
    assert "Live in the catalog as version 1." in shown and "Creación de cursos" not in shown
