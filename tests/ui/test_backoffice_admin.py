"""The Admin → Back office tab, over real services and a real HTTPS back office on 127.0.0.1."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QWidget

from assisted_desk.core.errors import PermissionDenied, ValidationError
from assisted_desk.core.security import Role
from assisted_desk.desk.backoffice_settings import TOKEN_KEY
from assisted_desk.ui.admin import AdminPage
from assisted_desk.ui.admin.backoffice import BackOfficeTab

from ..backoffice_server import TOKEN, BackOffice
from ..conftest import make_actor
from .test_admin import answering_message_boxes
from .test_start_and_main import unnamed_widgets
from tests.ui.conftest import double_the_text


@pytest.fixture
def office():
    server = BackOffice().start()
    yield server
    server.stop()


@pytest.fixture
def page(qtbot, services, admin) -> AdminPage:
    widget = AdminPage(services, admin)
    qtbot.addWidget(widget)
    widget.tabs.setCurrentWidget(widget.backoffice_tab)
    widget.resize(1000, 760)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def tab(page) -> BackOfficeTab:
    return page.backoffice_tab


@pytest.fixture
def ca_file(tmp_path, office):
    path = tmp_path / "council-ca.pem"
    path.write_text(office.ca_pem, encoding="ascii")
    return path


def everything_shown(widget: QWidget) -> str:
    """Every text the tab shows or tells a screen reader, to prove the token is never among them."""
    parts = []
    for child in [widget, *widget.findChildren(QWidget)]:
        parts += [child.toolTip(), child.accessibleName(), child.accessibleDescription()]
        if isinstance(child, QLabel):
            parts.append(child.text())
        elif isinstance(child, QLineEdit) and child.echoMode() == QLineEdit.EchoMode.Normal:
            parts.append(child.text())
    return "\n".join(parts)


def set_up(tab, office, ca_file, token=TOKEN, url=None) -> None:
    tab.url.setText(url or office.base_url)
    tab.save_url_button.click()
    tab.token.setText(token)
    tab.save_token_button.click()
    tab.load_ca_file(ca_file)


def connection_test(qtbot, tab) -> str:
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert not tab.test_button.isEnabled()  # one test at a time
    qtbot.waitUntil(lambda: not tab.testing, timeout=20_000)
    assert tab.test_button.isEnabled() and tab.test_result.isVisible()
    return tab.test_result.text()


# ---- the address ---------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, says", [
    ("backoffice.example.gov.uk", "is not a web address"),
    ("http://backoffice.example.gov.uk", "unencrypted: use https://"),
    ("https://user:secret@backoffice.example.gov.uk", "without a user name"),
    ("", "Give the back office's address"),
])
def test_a_refused_address_is_shown_next_to_the_field_and_kept(qtbot, tab, services, typed, says):
    tab.url.setText(typed)
    with qtbot.assertNotEmitted(tab.changed):
        qtbot.keyClick(tab.url, Qt.Key.Key_Return)  # Enter saves, as in any form
    assert says in tab.url_message.text() and tab.url_message.isVisible()
    assert tab.url_message.property("kind") == "error"
    assert tab.url.text() == typed and tab.url.hasFocus()
    assert services.backoffice.url() == ""


def test_saving_the_address_tells_every_desk(qtbot, tab, services):
    tab.url.setText("  https://backoffice.example.gov.uk/  ")
    with qtbot.waitSignal(tab.changed, timeout=1000):
        tab.save_url_button.click()
    assert services.backoffice.url() == "https://backoffice.example.gov.uk"
    assert tab.url.text() == "https://backoffice.example.gov.uk"
    assert "now sends to https://backoffice.example.gov.uk" in tab.url_message.text()
    tab.url.setText("http://127.0.0.1:8443")  # plain http only to this computer (a test back office)
    tab.save_url_button.click()
    assert services.backoffice.url() == "http://127.0.0.1:8443"


# ---- the token -----------------------------------------------------------------------------------


def test_the_token_is_saved_cleared_from_the_field_and_never_shown(qtbot, tab, services, memory_keyring):
    assert tab.token.echoMode() == QLineEdit.EchoMode.Password
    assert "No token is set" in tab.token_state.text() and not tab.remove_token_button.isEnabled()
    tab.token.setText("two words")
    tab.save_token_button.click()
    assert "one line with no spaces" in tab.token_message.text()
    assert tab.token.text() == "two words" and services.secrets.get(TOKEN_KEY) is None

    tab.token.setText(TOKEN)
    with qtbot.waitSignal(tab.changed, timeout=1000):
        qtbot.keyClick(tab.token, Qt.Key.Key_Return)
    assert tab.token.text() == ""
    assert services.secrets.get(TOKEN_KEY) == TOKEN
    assert list(memory_keyring.secrets.values()) == [TOKEN]
    assert "Token saved. It is kept in the system keyring" in tab.token_message.text()
    assert "A token is set on this computer, kept in the system keyring" in tab.token_state.text()
    assert TOKEN not in everything_shown(tab)

    tab.refresh()  # as the next administrator to open the tab sees it
    assert tab.token.text() == "" and tab.remove_token_button.isEnabled()
    assert TOKEN not in everything_shown(tab)

    tab.remove_token_button.click()
    assert services.secrets.get(TOKEN_KEY) is None
    assert "No token is set" in tab.token_state.text() and "Token removed" in tab.token_message.text()


def test_without_a_keyring_the_tab_says_the_token_lasts_this_run_only(qtbot, tab, services):
    keyring.set_keyring(fail.Keyring())
    tab.token.setText(TOKEN)
    tab.save_token_button.click()
    assert "memory, for this run only" in tab.token_message.text()
    assert "memory, for this run only" in tab.token_state.text()
    assert services.secrets.get(TOKEN_KEY) == TOKEN and tab.token.text() == ""


# ---- the certificate authority -------------------------------------------------------------------


def test_a_ca_file_is_trusted_and_a_non_pem_file_refused(qtbot, tab, services, admin, office, ca_file, tmp_path):
    assert tab.ca_state.text() == "The system's certificate authorities only."
    assert not tab.system_ca_button.isEnabled()
    with qtbot.waitSignal(tab.changed, timeout=1000):
        tab.load_ca_file(ca_file)
    subjects = services.backoffice.setup(admin).ca_subjects
    assert subjects and all(name in tab.ca_state.text() for name in subjects)
    assert "now also trusts" in tab.ca_message.text()

    not_pem = tmp_path / "notes.pem"
    not_pem.write_text("This is the council's wifi password, not a certificate.\n", encoding="ascii")
    tab.load_ca_file(not_pem)
    assert "holds no certificate" in tab.ca_message.text() and tab.ca_message.property("kind") == "error"
    assert services.backoffice.setup(admin).ca_subjects == subjects  # the trusted one stays
    binary = tmp_path / "photo.pem"
    binary.write_bytes(b"\xff\xd8\xff\xe0 not ascii")
    tab.load_ca_file(binary)
    assert "cannot be read as a certificate file" in tab.ca_message.text()
    tab.load_ca_file(tmp_path / "missing.pem")
    assert "missing.pem cannot be read" in tab.ca_message.text()

    tab.system_ca_button.click()
    assert services.backoffice.ca_pem() == ""
    assert tab.ca_state.text() == "The system's certificate authorities only."


# ---- testing the connection ----------------------------------------------------------------------


def test_connection_test_says_plainly_what_happened(qtbot, tab, services, admin, office, ca_file):
    assert connection_test(qtbot, tab).startswith("Not set up yet: no back-office address is set")

    set_up(tab, office, ca_file)
    said = connection_test(qtbot, tab)
    assert said == f"Reachable: {office.base_url} answered and accepted this desk's token."
    assert tab.test_result.property("kind") == "info"
    assert [h.path for h in office.hits] == ["/v1/health"]

    tab.token.setText("not-the-right-token")
    tab.save_token_button.click()
    said = connection_test(qtbot, tab)
    assert said.startswith("Token refused:") and "not-the-right-token" not in everything_shown(tab)
    assert tab.test_result.property("kind") == "error"

    tab.token.setText(TOKEN)
    tab.save_token_button.click()
    tab.system_ca_button.click()  # the test CA is not one the system trusts
    said = connection_test(qtbot, tab)
    assert said.startswith("Certificate not trusted:") and "Details:" in said
    tab.load_ca_file(ca_file)

    tab.url.setText(office.base_url + "/not-the-api")
    tab.save_url_button.click()
    assert connection_test(qtbot, tab).startswith(f"Wrong address: {office.base_url}/not-the-api answered")

    tab.url.setText(office.base_url)
    tab.save_url_button.click()
    office.down()
    assert connection_test(qtbot, tab).startswith(f"Cannot connect: nothing answered at {office.base_url}")
    office.up()
    office.fail(503)
    assert connection_test(qtbot, tab).startswith(f"Reached {office.base_url}, but it is not working properly.")
    office.normal()
    assert connection_test(qtbot, tab).startswith("Reachable:")
    assert TOKEN not in everything_shown(tab)


# ---- the attachment limit ------------------------------------------------------------------------


def test_attachment_limit_is_saved_in_whole_mb_from_1_to_100(qtbot, tab, services):
    assert tab.limit.value() == services.attachments.limit_mb() == 20
    assert (tab.limit.minimum(), tab.limit.maximum()) == (1, 100)
    tab.limit.setValue(35)
    tab.save_limit_button.click()
    assert services.attachments.limit_mb() == 35
    assert "Files up to 35 MB" in tab.limit_message.text()
    tab.limit.setValue(500)  # the box stops at the service's limit
    assert tab.limit.value() == 100


# ---- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DESK, Role.ADVOCATE, Role.COORDINATOR])
def test_only_administrators_get_the_tab_and_the_services_refuse_everyone_else(qtbot, services, admin, role):
    actor = make_actor(services, admin, f"user-{role.value}", role)
    page = AdminPage(services, actor)
    qtbot.addWidget(page)
    assert page.backoffice_tab is None
    for call in (lambda: services.backoffice.set_url(actor, "https://backoffice.example.gov.uk"),
                 lambda: services.backoffice.set_token(actor, TOKEN),
                 lambda: services.backoffice.clear_token(actor),
                 lambda: services.backoffice.set_ca_pem(actor, ""),
                 lambda: services.backoffice.setup(actor),
                 lambda: services.attachments.set_limit_mb(actor, 5)):
        with pytest.raises(PermissionDenied, match="may not manage settings"):
            call()
    with pytest.raises(ValidationError):
        services.attachments.set_limit_mb(admin, 0)

    # Even a tab built for them by mistake changes nothing: the refusal is shown, nothing saved.
    tab = BackOfficeTab(services, actor)
    qtbot.addWidget(tab)
    with answering_message_boxes(QMessageBox.StandardButton.Ok) as said:
        tab.refresh()
    with answering_message_boxes(QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Ok) as said2:
        tab.url.setText("https://backoffice.example.gov.uk")
        tab.save_url_button.click()
        tab.token.setText(TOKEN)
        tab.save_token_button.click()
    assert all("may not manage settings" in text for text in said + said2)
    assert tab.url.text() == "https://backoffice.example.gov.uk"  # what was typed stays
    assert services.backoffice.url() == "" and services.secrets.get(TOKEN_KEY) is None


def test_every_interactive_widget_has_an_accessible_name(tab):
    assert unnamed_widgets(tab) == []
    assert tab.token.accessibleName() == "API token" and tab.url.accessibleName() == "Back-office address"


# ---- how it looks --------------------------------------------------------------------------------


def clipped_labels(root: QWidget) -> list[str]:
    """Visible one-line labels narrower than their text: a person would see it cut off."""
    cut = []
    for label in root.findChildren(QLabel):
        if label.isVisibleTo(root) and not label.wordWrap() and label.text() \
                and label.width() < label.sizeHint().width():
            cut.append(label.text())
    return cut


@pytest.mark.parametrize("scale", [1, 2])
def test_tab_renders_at_normal_and_double_text(qtbot, qapp, services, admin, office, ca_file, artifacts, scale,
                                               request):
    if scale == 2:
        double_the_text(qapp, request)
    page = AdminPage(services, admin)
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.backoffice_tab)
    page.resize(*((1000, 760) if scale == 1 else (1366, 768)))  # at 200%: a laptop's screen
    page.show()
    qtbot.waitExposed(page)
    tab = page.backoffice_tab
    set_up(tab, office, ca_file)
    connection_test(qtbot, tab)
    tab.url.setText("http://backoffice.example.gov.uk")  # refused: stays in the field
    tab.save_url_button.click()
    tab.limit.setValue(25)
    tab.save_limit_button.click()
    qtbot.wait(50)
    assert clipped_labels(page) == []
    for button in (tab.save_url_button, tab.save_token_button, tab.remove_token_button, tab.choose_ca_button,
                   tab.system_ca_button, tab.test_button, tab.save_limit_button):
        assert button.width() >= button.sizeHint().width(), button.text()
    if "sqlite" in request.node.callspec.id:
        assert page.grab().save(str(artifacts / f"admin-backoffice-{scale}x.png"))
        bar = tab.scroll.verticalScrollBar()
        if bar.maximum():  # at 200% the form scrolls: the lower half too
            bar.setValue(bar.maximum())
            qtbot.wait(20)
            assert page.grab().save(str(artifacts / f"admin-backoffice-{scale}x-lower.png"))
