//! CONNECT, the session stream it opens, and the CONNACK that waits for the next hop's answer.

use std::ops::ControlFlow;
use std::time::{Duration, Instant, SystemTime};

use zilla_engine::frame::{Begin, Control, Extension, Frame};

use super::app_streams::Role;
use super::close::{reset_code, Ending};
use super::connection::{Client, Connection, Flow, Phase};
use super::login::settle_client_id;
use crate::codec::{
    reason, Connack, Connect, Disconnect, Packet, Properties, ProtocolVersion, QoS,
};
use crate::contract::{
    MessageProperties, MqttBeginEx, SessionAcceptedEx, SessionBeginEx, WillMessage,
};
use crate::outbound_aliases::OutboundAliases;

impl Connection {
    pub(super) async fn on_connect(&mut self, connect: Connect) -> Flow {
        self.net.version = connect.protocol;
        let v5 = connect.protocol.is_v5();
        if !self.shared.options.accepts(connect.protocol) {
            return ControlFlow::Break(self.refuse(reason::UNSUPPORTED_PROTOCOL_VERSION));
        }
        if v5 && connect.properties.authentication_method.is_some() {
            return ControlFlow::Break(self.refuse(reason::BAD_AUTHENTICATION_METHOD));
        }
        let mut client_id = match settle_client_id(&connect.client_id, connect.clean_start) {
            Ok(client_id) => client_id,
            Err(code) => return ControlFlow::Break(self.refuse(code)),
        };
        let mut expires_at = None;
        let authorization = match &self.shared.login {
            None => None,
            Some(login) => match login.authorize(&connect).await {
                Ok(authorization) => {
                    if login.enforces_expiry() {
                        expires_at = authorization.expires_at().and_then(instant_of);
                    }
                    Some(authorization)
                }
                Err(refused) => {
                    // Refused logins learn nothing: no CONNACK, the connection just closes.
                    tracing::debug!(binding = %self.shared.id, %refused, "login refused");
                    return ControlFlow::Break(Ending::quiet());
                }
            },
        };
        if let (Some(login), Some(authorization)) = (&self.shared.login, &authorization) {
            match login.confine(authorization, client_id) {
                Some(confined) => client_id = confined,
                None => return ControlFlow::Break(self.refuse(reason::NOT_AUTHORIZED)),
            }
        }
        let Some(exit) = self
            .shared
            .router
            .session(authorization.as_ref(), &client_id.value)
        else {
            tracing::debug!(binding = %self.shared.id, client = %client_id.value, "no session route");
            if let (Some(login), Some(authorization)) = (&self.shared.login, &authorization) {
                login.refused_by_routes(authorization);
            }
            return ControlFlow::Break(Ending::quiet());
        };

        let settings = &self.shared.settings;
        let mut keep_alive = connect.keep_alive;
        let mut server_keep_alive = None;
        if let (true, Some(maximum)) = (v5, settings.keep_alive_maximum) {
            if keep_alive > maximum {
                keep_alive = maximum;
                server_keep_alive = Some(maximum);
            }
        }
        let properties = &connect.properties;
        if let Some(maximum) = properties.maximum_packet_size {
            self.net.max_outbound = usize::try_from(maximum).unwrap_or(usize::MAX);
        }
        self.outbound.receive_maximum = properties.receive_maximum.unwrap_or(u16::MAX);
        self.outbound.aliases = OutboundAliases::new(properties.topic_alias_maximum.unwrap_or(0));
        let session_expiry = match connect.protocol {
            ProtocolVersion::V5 => properties.session_expiry_interval.unwrap_or(0),
            ProtocolVersion::V3_1_1 if connect.clean_start => 0,
            ProtocolVersion::V3_1_1 => u32::MAX,
        };
        let begin = SessionBeginEx {
            client_id: client_id.value.clone(),
            client_id_assigned: client_id.assigned,
            clean_start: connect.clean_start,
            session_expiry,
            keep_alive,
            will: connect.will.as_ref().map(will_message),
            receive_maximum: self.outbound.receive_maximum,
            maximum_packet_size: properties.maximum_packet_size,
            v5,
            user_properties: properties.user_properties.clone(),
        };
        let client = Client {
            id: client_id,
            authorization,
            keep_alive_timeout: (keep_alive > 0)
                .then(|| Duration::from_millis(u64::from(keep_alive) * 1500)),
            server_keep_alive,
            expires_at,
            session_expiry,
            accepted: SessionAcceptedEx::default(),
            receive_maximum: settings.receive_maximum,
        };
        self.client = Some(client);
        let begin = self.begin(&exit, MqttBeginEx::Session(begin));
        let window = self.shared.settings.window;
        self.streams.open(&exit, begin, Role::Session, window);
        self.phase = Phase::AwaitSession {
            deadline: Instant::now() + self.shared.settings.session_timeout,
        };
        ControlFlow::Continue(())
    }

    /// A `Begin` for an application stream of this connection.
    pub(super) fn begin(
        &self,
        exit: &zilla_engine::binding::Exit,
        extension: MqttBeginEx,
    ) -> Begin {
        Begin {
            origin: self.shared.id.clone(),
            routed: exit.id.clone(),
            authorization: self.client.as_ref().and_then(|c| c.authorization.clone()),
            affinity: self.affinity,
            extension: Extension::new(extension),
        }
    }

    /// Refuses the CONNECT with a CONNACK carrying `code` (a v5 reason code, mapped for
    /// v3.1.1 clients), then closes.
    pub(super) fn refuse(&mut self, code: u8) -> Ending {
        let reason_code = match self.net.version {
            ProtocolVersion::V5 => code,
            ProtocolVersion::V3_1_1 => v3_return_code(code),
        };
        self.net.queue_control(&Packet::Connack(Connack {
            session_present: false,
            reason_code,
            properties: Properties::default(),
        }));
        Ending::quiet()
    }

    pub(super) fn on_session_control(&mut self, control: Option<Control>) -> Flow {
        let code = match control {
            Some(Control::Window(_)) | Some(Control::Challenge(_)) => {
                return ControlFlow::Continue(())
            }
            Some(Control::Reset(reset)) => reset_code(&reset.extension, reason::SERVER_UNAVAILABLE),
            None => reason::SERVER_UNAVAILABLE,
        };
        ControlFlow::Break(self.session_ended(code, false))
    }

    pub(super) fn on_session_frame(
        &mut self,
        id: super::app_streams::StreamId,
        frame: Option<Frame>,
    ) -> Flow {
        match frame {
            Some(Frame::Begin(begin)) => {
                if let Some(stream) = self.streams.get_mut(id) {
                    stream.accepted = true;
                }
                if matches!(self.phase, Phase::AwaitSession { .. }) {
                    self.accepted(begin.extension.get::<SessionAcceptedEx>().cloned());
                }
                ControlFlow::Continue(())
            }
            Some(Frame::Data(data)) => self.on_delivery(id, data),
            Some(Frame::Flush(_)) => ControlFlow::Continue(()),
            Some(Frame::End(extension)) => {
                let code = reset_code(&extension, reason::SESSION_TAKEN_OVER);
                ControlFlow::Break(self.session_ended(code, true))
            }
            Some(Frame::Abort(extension)) => {
                let code = reset_code(&extension, reason::SERVER_UNAVAILABLE);
                ControlFlow::Break(self.session_ended(code, true))
            }
            None => ControlFlow::Break(self.session_ended(reason::SERVER_UNAVAILABLE, true)),
        }
    }

    /// The next hop refused or ended the session: a failed CONNACK before it was sent, a v5
    /// DISCONNECT after.
    fn session_ended(&mut self, code: u8, orderly: bool) -> Ending {
        if matches!(self.phase, Phase::AwaitSession { .. }) {
            return self.refuse(code);
        }
        if orderly {
            Ending::ended_by_next_hop(code)
        } else {
            Ending::will(Some(code))
        }
    }

    fn accepted(&mut self, accepted: Option<SessionAcceptedEx>) {
        let accepted = accepted.unwrap_or_default();
        let settings = &self.shared.settings;
        if let Some(limit) = accepted.maximum_packet_size {
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            self.net.max_inbound = self.net.max_inbound.min(limit);
        }
        // A 3.1.1 client cannot be told a receive maximum, so it is never held to one: the next
        // hop paces what it forwards, and the publish streams' windows bound what is buffered.
        let receive_maximum = if self.net.is_v5() {
            settings
                .receive_maximum
                .min(accepted.receive_maximum)
                .max(1)
        } else {
            u16::MAX
        };
        let max_inbound = self.net.max_inbound;
        let topic_alias_maximum = settings.topic_alias_maximum;
        let Some(client) = self.client.as_mut() else {
            return;
        };
        client.receive_maximum = receive_maximum;
        if self.net.is_v5() {
            if let Some(next_hop) = accepted.server_keep_alive {
                settle_keep_alive(client, next_hop);
            }
        }
        let mut properties = Properties::default();
        if self.net.is_v5() {
            properties.session_expiry_interval = accepted.session_expiry;
            properties.maximum_qos =
                (accepted.maximum_qos < QoS::ExactlyOnce).then_some(accepted.maximum_qos.bits());
            properties.retain_available = (!accepted.retain_available).then_some(false);
            properties.wildcard_subscription_available =
                (!accepted.wildcard_subscription_available).then_some(false);
            properties.subscription_identifier_available =
                (!accepted.subscription_identifiers_available).then_some(false);
            properties.shared_subscription_available =
                (!accepted.shared_subscription_available).then_some(false);
            properties.topic_alias_maximum =
                (topic_alias_maximum > 0).then_some(topic_alias_maximum);
            properties.receive_maximum = (receive_maximum < u16::MAX).then_some(receive_maximum);
            properties.maximum_packet_size = u32::try_from(max_inbound).ok();
            properties.server_keep_alive = client.server_keep_alive;
            properties.assigned_client_identifier =
                client.id.assigned.then(|| client.id.value.clone());
            properties.user_properties = accepted.user_properties.clone();
        }
        let session_present = accepted.session_present;
        client.accepted = accepted;
        let identity = client
            .authorization
            .as_ref()
            .and_then(|a| a.sessions().first().map(|s| s.identity.clone()))
            .unwrap_or_default();
        let message = format!("identity {identity:?} client id {:?}", client.id.value);
        self.net.queue_control(&Packet::Connack(Connack {
            session_present,
            reason_code: reason::SUCCESS,
            properties,
        }));
        self.phase = Phase::Connected;
        self.last_packet = Instant::now();
        self.shared.events.emit_traced(
            &self.shared.id,
            "binding.mqtt.client.connected",
            self.affinity,
            message,
        );
    }

    pub(super) fn on_disconnect(&mut self, disconnect: &Disconnect) -> Flow {
        if disconnect.reason_code != reason::NORMAL_DISCONNECTION {
            return ControlFlow::Break(Ending::disconnected_with_will());
        }
        let expiry = disconnect.properties.session_expiry_interval;
        let asked = self.client.as_ref().map_or(0, |c| c.session_expiry);
        if asked == 0 && expiry.is_some_and(|expiry| expiry != 0) {
            // A session that was to end with the connection cannot be made to outlive it.
            return ControlFlow::Break(Ending::will(Some(reason::PROTOCOL_ERROR)));
        }
        ControlFlow::Break(Ending::clean(expiry))
    }
}

/// The MQTT 3.1.1 return code nearest to a v5 reason code.
pub fn v3_return_code(code: u8) -> u8 {
    use crate::codec::reason::v3;
    match code {
        reason::SUCCESS => v3::CONNECTION_ACCEPTED,
        reason::UNSUPPORTED_PROTOCOL_VERSION => v3::UNACCEPTABLE_PROTOCOL_VERSION,
        reason::CLIENT_IDENTIFIER_NOT_VALID => v3::IDENTIFIER_REJECTED,
        reason::BAD_USER_NAME_OR_PASSWORD | reason::BAD_AUTHENTICATION_METHOD => {
            v3::BAD_USER_NAME_OR_PASSWORD
        }
        reason::NOT_AUTHORIZED | reason::BANNED => v3::NOT_AUTHORIZED,
        _ => v3::SERVER_UNAVAILABLE,
    }
}

fn will_message(will: &crate::codec::Will) -> WillMessage {
    WillMessage {
        topic: will.topic.clone(),
        payload: will.payload.clone(),
        qos: will.qos,
        retain: will.retain,
        delay: will.properties.will_delay_interval.unwrap_or(0),
        properties: message_properties(&will.properties),
    }
}

/// The message properties of a PUBLISH or will, as the contract carries them.
pub fn message_properties(properties: &Properties) -> MessageProperties {
    if properties.is_absent() {
        return MessageProperties::default();
    }
    MessageProperties {
        payload_format: properties.payload_format_indicator,
        message_expiry: properties.message_expiry_interval,
        content_type: properties.content_type.clone(),
        response_topic: properties.response_topic.clone(),
        correlation_data: properties.correlation_data.clone(),
        user_properties: properties.user_properties.clone(),
    }
}

/// The monotonic instant of a wall-clock time (now, when it already passed; none when it is
/// too far away to represent).
fn instant_of(at: SystemTime) -> Option<Instant> {
    let remaining = at
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Instant::now().checked_add(remaining)
}

/// A v5 client is held to the keep-alive the next hop settled (the broker's Server Keep Alive
/// reaches the client as it would straight from the broker), unless the gateway's own limit is
/// lower; a next hop that turns keep-alive off leaves the gateway's limit in place.
fn settle_keep_alive(client: &mut Client, next_hop: u16) {
    let settled = match client.server_keep_alive {
        Some(own) if next_hop == 0 => own,
        Some(own) => own.min(next_hop),
        None => next_hop,
    };
    client.server_keep_alive = Some(settled);
    client.keep_alive_timeout =
        (settled > 0).then(|| Duration::from_millis(u64::from(settled) * 1500));
}
