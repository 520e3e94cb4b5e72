// The PIV wire definitions (protocol/piv.h) the applet's parts use, named in the applet's namespace.
#pragma once

#include "protocol/piv.h"

namespace keydesk::card::piv {

using protocol::piv::Algorithm;
using protocol::piv::DataObject;
using protocol::piv::KeyOrigin;
using protocol::piv::KeyPolicy;
using protocol::piv::KeySlot;
using protocol::piv::PinPolicy;
using protocol::piv::TouchPolicy;

using protocol::piv::algorithm_from_byte;
using protocol::piv::algorithm_from_name;
using protocol::piv::algorithm_name;
using protocol::piv::find_data_object;
using protocol::piv::find_key_slot;
using protocol::piv::is_ec;
using protocol::piv::is_rsa;
using protocol::piv::is_symmetric;
using protocol::piv::pin_policy_from_byte;
using protocol::piv::pin_policy_from_name;
using protocol::piv::policy_name;
using protocol::piv::resolve_policy;
using protocol::piv::touch_policy_from_byte;
using protocol::piv::touch_policy_from_name;

using protocol::piv::kAttestationCertObject;
using protocol::piv::kAttestationSlot;
using protocol::piv::kCccObject;
using protocol::piv::kChuidObject;
using protocol::piv::kDiscoveryObject;
using protocol::piv::kManagementRef;
using protocol::piv::kMaxObjectSize;
using protocol::piv::kPinRef;
using protocol::piv::kPukRef;

}  // namespace keydesk::card::piv
