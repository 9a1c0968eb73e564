"""Writes the TensorFlow event files the TensorFlowEvent collector tests read.

Run in a throwaway virtual environment (the files are committed; the tests do not need Python):
    python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install tensorboardX==2.6.5 numpy==2.4.6
    /tmp/tfvenv/bin/python make_fixtures.py
tensorboardX's EventFileWriter writes the same TFRecord framing (length, masked CRC-32C, Event, masked CRC-32C) as
TensorFlow's and TensorBoard's writers. The summaries' wall times are fixed (the writer's own first record, `file_version`, carries the time of writing).

mnist/train and mnist/test mirror Katib's tf-mnist-with-summaries example: `loss` and `accuracy` per epoch, as
TF2's tf.summary.scalar writes them (a scalar float tensor with the `scalars` plugin) in test/, and as TF1 / old
writers do (`simple_value`) in train/. A histogram (not a scalar) and an `accuracy_top5` tag (which Katib's prefix
match also takes for `accuracy`) are mixed in.
"""
import os
import shutil

import numpy as np

from tensorboardX.event_file_writer import EventFileWriter
from tensorboardX.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboardX.summary import histogram

HERE = os.path.dirname(os.path.abspath(__file__))
BASE_TIME = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def scalars_metadata():
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"))


def tensor_value(tag, value):
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[value],
                                    tensor_shape=tensor_shape_pb2.TensorShapeProto())
    return summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=scalars_metadata())


def simple_value(tag, value):
    return summary_pb2.Summary.Value(tag=tag, simple_value=value)


def write(directory, events):
    path = os.path.join(HERE, directory)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    writer = EventFileWriter(path, filename_suffix=".fixture")
    for event in events:
        writer.add_event(event)
    writer.close()
    # EventFileWriter names files after the time and host; a fixed name keeps the fixture stable.
    (written,) = os.listdir(path)
    os.rename(os.path.join(path, written), os.path.join(path, "events.out.tfevents.1767225600.fixture"))


def event(step, values, offset=0.0):
    return event_pb2.Event(wall_time=BASE_TIME + step + offset, step=step,
                           summary=summary_pb2.Summary(value=values))


test_accuracy = [0.91, 0.95, 0.97]
test_loss = [0.30, 0.16, 0.09]
write("mnist/test", [
    event(epoch, [tensor_value("loss", test_loss[epoch]), tensor_value("accuracy", test_accuracy[epoch])], 0.5)
    for epoch in range(3)
])

train_accuracy = [0.88, 0.93, 0.96]
train_loss = [0.41, 0.22, 0.12]
train_events = []
for epoch in range(3):
    train_events.append(event(epoch, [simple_value("loss", train_loss[epoch]),
                                      simple_value("accuracy", train_accuracy[epoch]),
                                      simple_value("accuracy_top5", 0.99)]))
train_events.append(event(2, list(histogram("weights", np.array([0.1, 0.2, 0.2, 0.5]), bins=3).value)))
write("mnist/train", train_events)
