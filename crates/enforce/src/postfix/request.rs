//! A decoded policy request: its attributes in the order Postfix sent them,
//! unknown ones included, with accessors for the ones modpod reads.

/// One policy request. Values may be empty (Postfix sends `sender=` for the
/// null sender); an attribute Postfix did not send is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    attributes: Vec<(String, String)>,
}

impl Request {
    /// Builds a request from attributes, in order.
    pub fn from_attributes(attributes: Vec<(String, String)>) -> Self {
        Request { attributes }
    }

    /// The value of an attribute. If Postfix sent a name twice, the first
    /// value is the one used.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every attribute, in the order received.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attributes
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The kind of request; Postfix always sends `smtpd_access_policy`.
    pub fn request(&self) -> Option<&str> {
        self.get("request")
    }

    /// The SMTP stage the request is made at, e.g. `RCPT` or `DATA`.
    pub fn protocol_state(&self) -> Option<&str> {
        self.get("protocol_state")
    }

    /// The envelope sender; empty for the null sender.
    pub fn sender(&self) -> Option<&str> {
        self.get("sender")
    }

    /// The envelope recipient (at `RCPT`; at `DATA` only with one recipient).
    pub fn recipient(&self) -> Option<&str> {
        self.get("recipient")
    }

    /// The IP address of the SMTP client.
    pub fn client_address(&self) -> Option<&str> {
        self.get("client_address")
    }

    /// The SASL login name, when the client authenticated.
    pub fn sasl_username(&self) -> Option<&str> {
        self.get("sasl_username")
    }

    /// Postfix's identifier for one message delivery attempt, shared by the
    /// requests it makes for that message.
    pub fn instance(&self) -> Option<&str> {
        self.get("instance")
    }
}
