# A Debian package from CPack: `cpack --preset release` (or `cpack -G DEB` in any build tree) writes
# keydesk_<version>_<arch>.deb with keydesk, keydesk-sim, the profiles, the manuals, the bash completions
# and the documentation. tests/packaging/test_deb_clean_machine.sh installs it on a fresh Debian 12.
set(KEYDESK_PACKAGE_MAINTAINER "keydesk maintainers <maintainers@keydesk.invalid>"
  CACHE STRING "Maintainer field of the Debian package")

set(CPACK_PACKAGE_NAME keydesk)
set(CPACK_PACKAGE_VENDOR keydesk)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "help-desk runbook and simulated token for hardware security keys")
set(CPACK_PACKAGE_CONTACT "${KEYDESK_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_FILE_NAME "keydesk-${PROJECT_VERSION}")  # the DEB generator's own name is below
set(CPACK_GENERATOR DEB)
# Installed binaries are stripped: no debug information, and with it no path of the build machine.
set(CPACK_STRIP_FILES ON)
# The package installs where the build was configured to (the release preset: /usr), so the paths the
# manuals and completions name are the paths the package has.
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # keydesk_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# CPack puts the summary on the Description line; this is the extended description under it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "keydesk diagnoses locked-out PIV, OATH and FIDO2 security keys with read-only
probes that never spend a retry, explains status words and CTAP codes, and runs
PIN operations one attempt at a time behind a retry interlock.

keydesk-sim is a software token (PIV, YKOATH, an access-control applet, FIDO2)
that real PC/SC and FIDO clients accept through pcscd and vsmartcard-vpcd.")
# Shared-library dependencies are computed by dpkg-shlibdeps from the binaries. keydesk reaches every
# PC/SC token through pcscd; keydesk-sim (and `keydesk demo`) plug into pcscd through vpcd's driver.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "pcscd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "vsmartcard-vpcd")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion, yubikey-manager, yubico-piv-tool, softhsm2")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)

include(CPack)
