"""An MQTT 5 session through the gateway with paho-mqtt, an independent client library.

usage: paho_v5.py PORT
Subscribes at QoS 1 with a subscription identifier, publishes at QoS 1 with a user property,
content type and response topic, and checks what comes back. Exits 0 on success.
"""
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

port = int(sys.argv[1])
received = threading.Event()
subscribed = threading.Event()
result = {}


def on_connect(client, userdata, flags, reason_code, properties):
    result["connack"] = reason_code
    result["assigned"] = getattr(properties, "AssignedClientIdentifier", None)
    props = Properties(PacketTypes.SUBSCRIBE)
    props.SubscriptionIdentifier = 42
    client.subscribe("paho/+/status", qos=1, properties=props)


def on_subscribe(client, userdata, mid, reason_codes, properties):
    result["suback"] = [int(code.value) for code in reason_codes]
    subscribed.set()


def on_message(client, userdata, message):
    props = message.properties
    result["message"] = (
        message.topic,
        message.payload.decode(),
        message.qos,
        getattr(props, "UserProperty", None),
        getattr(props, "ContentType", None),
        getattr(props, "ResponseTopic", None),
        getattr(props, "SubscriptionIdentifier", None),
    )
    received.set()


client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", protocol=mqtt.MQTTv5)
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect("127.0.0.1", port, keepalive=30)
client.loop_start()
if not subscribed.wait(10):
    sys.exit(f"no SUBACK: {result}")

props = Properties(PacketTypes.PUBLISH)
props.UserProperty = [("site", "north")]
props.ContentType = "text/plain"
props.ResponseTopic = "paho/replies"
client.publish("paho/7/status", "online", qos=1, properties=props).wait_for_publish(10)
if not received.wait(10):
    sys.exit(f"no message: {result}")
client.disconnect()
client.loop_stop()

expected = ("paho/7/status", "online", 1, [("site", "north")], "text/plain", "paho/replies", [42])
if result["connack"] != 0 or not result["assigned"] or result["suback"] != [1]:
    sys.exit(f"unexpected session: {result}")
if result["message"] != expected:
    sys.exit(f"unexpected message: {result['message']} != {expected}")
print("ok")
