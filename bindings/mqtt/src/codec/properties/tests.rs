use super::*;

#[test]
fn absent_properties_read_as_empty_and_cost_two_words() {
    let properties = Properties::default();
    assert!(properties.is_empty());
    assert_eq!(properties.receive_maximum, None);
    assert!(properties.user_properties.is_empty());
    assert_eq!(
        std::mem::size_of::<Properties>(),
        2 * std::mem::size_of::<usize>()
    );
}

#[test]
fn decoding_makes_a_set_only_for_properties_that_need_one() {
    let mut none = Reader::new(Bytes::from_static(&[0x00, 0xAA]));
    let decoded = Properties::decode(&mut none, PropertyContext::Publish).unwrap();
    assert!(decoded.is_absent());
    assert_eq!(none.remaining(), 1, "the property length alone was read");

    let mut alias = Reader::new(Bytes::from_static(&[0x03, 0x23, 0x00, 0x02]));
    let decoded = Properties::decode(&mut alias, PropertyContext::Publish).unwrap();
    assert_eq!(decoded.topic_alias, Some(2));
    assert!(decoded.set.is_none(), "a Topic Alias alone makes no set");

    // Subscription Identifier 5, then Topic Alias 2.
    let bytes = [0x05, 0x0B, 0x05, 0x23, 0x00, 0x02, 0xAA];
    let mut some = Reader::new(Bytes::copy_from_slice(&bytes));
    let decoded = Properties::decode(&mut some, PropertyContext::Publish).unwrap();
    assert_eq!(decoded.subscription_identifiers, vec![5]);
    assert_eq!(decoded.topic_alias, Some(2));
    assert_eq!(some.remaining(), 1);

    let mut duplicate = Reader::new(Bytes::from_static(&[
        0x06, 0x23, 0x00, 0x02, 0x23, 0x00, 0x03,
    ]));
    assert_eq!(
        Properties::decode(&mut duplicate, PropertyContext::Publish).unwrap_err(),
        DecodeError::DuplicateProperty(id::TOPIC_ALIAS)
    );
    let mut zero = Reader::new(Bytes::from_static(&[0x03, 0x23, 0x00, 0x00]));
    assert_eq!(
        Properties::decode(&mut zero, PropertyContext::Publish).unwrap_err(),
        DecodeError::InvalidTopicAlias
    );
    let mut misplaced = Reader::new(Bytes::from_static(&[0x03, 0x23, 0x00, 0x02]));
    assert!(matches!(
        Properties::decode(&mut misplaced, PropertyContext::Connect).unwrap_err(),
        DecodeError::PropertyNotAllowed { .. }
    ));
}

#[test]
fn properties_encode_with_their_length_and_none_as_a_zero_length() {
    let mut out = bytes::BytesMut::new();
    Properties::default().encode(&mut out).unwrap();
    assert_eq!(&out[..], &[0x00]);

    let alias = Properties::default().with_topic_alias(2);
    let mut out = bytes::BytesMut::new();
    alias.encode(&mut out).unwrap();
    assert_eq!(&out[..], &[0x03, 0x23, 0x00, 0x02]);

    let mut both = Properties::from(PropertySet {
        subscription_identifiers: vec![5],
        ..PropertySet::default()
    });
    both.topic_alias = Some(2);
    let mut out = bytes::BytesMut::new();
    both.encode(&mut out).unwrap();
    let mut reader = Reader::new(out.freeze());
    let decoded = Properties::decode(&mut reader, PropertyContext::Publish).unwrap();
    assert_eq!(decoded, both);
    assert!(reader.is_empty());
}

#[test]
fn the_first_write_makes_a_set_and_equality_ignores_how_empty_is_held() {
    let mut properties = Properties::default();
    // A write through the pointer, as packet handling does it.
    let set: &mut PropertySet = &mut properties;
    set.receive_maximum = Some(3);
    assert!(!properties.is_empty());
    assert_eq!(properties.into_set().receive_maximum, Some(3));

    let mut emptied = Properties::from(PropertySet {
        receive_maximum: Some(3),
        ..PropertySet::default()
    });
    emptied.receive_maximum = None;
    assert!(emptied.is_empty());
    assert_eq!(emptied, Properties::default());
    assert_eq!(Properties::from(PropertySet::default()).set, None);

    let aliased = Properties::default().with_topic_alias(1);
    assert!(!aliased.is_empty() && !aliased.is_absent());
    assert_ne!(aliased, Properties::default());
}
