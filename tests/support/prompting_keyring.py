"""A keyring backend that, like keyrings.alt's EncryptedKeyring, asks for its own password with getpass
when first used (loaded by name through PYTHON_KEYRING_BACKEND in a CLI subprocess)."""

from __future__ import annotations

import getpass

from keyring.backend import KeyringBackend


class PromptingKeyring(KeyringBackend):
    priority = 1

    def _unlock(self) -> None:
        getpass.getpass("Please enter password for encrypted keyring: ")

    def get_password(self, service, username):
        self._unlock()
        return None

    def set_password(self, service, username, password):
        self._unlock()

    def delete_password(self, service, username):
        self._unlock()
