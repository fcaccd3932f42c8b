#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seeds of fuzz-props (tests/fuzz/corpus/props/*.pod): Props writes as
# pw-cli set-param sends them, encoded as SPA PODs (spa/pod/pod.h: a 32-bit size and
# type, the body padded to 8 bytes). Run it again after changing the list below.
# With --malformed DIR it writes Props writes broken inside (the outer size fits, as the
# protocol demands) for tests/pipewire/test-props-malformed.sh.
import os
import struct
import sys

T_NONE, T_BOOL, T_INT, T_LONG, T_FLOAT, T_DOUBLE, T_STRING = 1, 2, 4, 5, 6, 7, 8
T_STRUCT, T_OBJECT = 14, 15
OBJECT_PROPS, PARAM_PROPS, PROP_PARAMS = 0x40002, 2, 0x80001


def pod(type_, body):
    pad = (8 - len(body) % 8) % 8
    return struct.pack('<II', len(body), type_) + body + b'\0' * pad


def value(v):
    if isinstance(v, bool):
        return pod(T_BOOL, struct.pack('<i', v))
    if isinstance(v, int):
        return pod(T_INT, struct.pack('<i', v))
    if isinstance(v, float):
        return pod(T_FLOAT, struct.pack('<f', v))
    if isinstance(v, tuple) and v[0] == 'double':
        return pod(T_DOUBLE, struct.pack('<d', v[1]))
    if isinstance(v, tuple) and v[0] == 'long':
        return pod(T_LONG, struct.pack('<q', v[1]))
    if v is None:
        return pod(T_NONE, b'')
    return pod(T_STRING, v.encode() + b'\0')


def props_write(pairs):
    fields = b''.join(value(k) + value(v) for k, v in pairs)
    params = pod(T_STRUCT, fields)
    prop = struct.pack('<II', PROP_PARAMS, 0) + params
    return pod(T_OBJECT, struct.pack('<II', OBJECT_PROPS, PARAM_PROPS) + prop)


SEEDS = {
    'ceiling': [('dacguard.ceiling-db', -20.0)],
    'ceiling-double': [('dacguard.ceiling-db', ('double', -12.5))],
    'ceiling-int-long': [('dacguard.ceiling-db', -30), ('dacguard.ceiling-db', ('long', -31))],
    'output-mode': [('dacguard.output', 'bal-2.5'), ('dacguard.mode', 'balanced')],
    'table': [('dacguard.output-ceilings', '{ "se-3.5": -23.074, "bal-2.5": -29.095 }'),
              ('dacguard.output', 'se-3.5'), ('dacguard.ceiling-db', -10.0)],
    'daemon-write': [('dacguard.ceiling-db', -48.87), ('dacguard.output', 'bal-2.5'),
                     ('dacguard.mode', 'balanced'), ('dacguard.headphone', 'moondrop-aria'),
                     ('dacguard.output-ceilings', '{ "se-3.5": -42.844, "bal-2.5": -48.866 }')],
    'hard-raise': [('dacguard.hard-ceilings', '{ "se-3.5": 0, "bal-4.4": 0, "se-6.35": 0 }'),
                   ('dacguard.output-ceilings', '{ "se-3.5": 0, "bal-4.4": 0 }'),
                   ('dacguard.output', 'se-3.5'), ('dacguard.ceiling-db', 0.0)],
    'reported-claim': [('dacguard.output-reported', 'bal-4.4'), ('dacguard.output', 'se-3.5')],
    'reported-clear': [('dacguard.output-reported', ''), ('dacguard.mode', 'single-ended')],
    'bad-values': [('dacguard.ceiling-db', 'loud'), ('dacguard.output', 'phones'),
                   ('dacguard.mode', 3.0), ('dacguard.peak-db', 0.0),
                   ('dacguard.nonsense', None), ('volume', 1.5)],
    'converter': [('volume', 1.0), ('mute', False)],
}



def props_object(prop_value, object_type=OBJECT_PROPS):
    prop = struct.pack('<II', PROP_PARAMS, 0) + prop_value
    return pod(object_type, struct.pack('<II', object_type, PARAM_PROPS) + prop)


def raw(type_, body):
    """A pod whose header is as given, the body unpadded: for sizes that lie."""
    return struct.pack('<II', len(body), type_) + body


def lying_size(type_, body, claimed):
    return struct.pack('<II', claimed, type_) + body


CEILING = value('dacguard.ceiling-db')
MALFORMED = {
    # a key with no value, then nothing
    'key-without-value': props_object(pod(T_STRUCT, CEILING)),
    # params is not a struct
    'params-not-struct': props_object(value(-60)),
    # keys that are not strings
    'key-not-string': props_object(pod(T_STRUCT, value(1) + value(-60.0) + value(2.0) +
                                       value(-60.0))),
    # a string without its terminating NUL
    'string-unterminated': props_object(pod(T_STRUCT, raw(T_STRING, b'dacguard.ceiling-db') +
                                            value(-60.0))),
    # an inner value that claims more bytes than its struct holds
    'inner-size-lies': props_object(pod(T_STRUCT, CEILING +
                                        lying_size(T_FLOAT, struct.pack('<f', -60.0) + b'\0' * 4,
                                                   4096))),
    # a struct that claims more than the object holds
    'struct-size-lies': props_object(lying_size(T_STRUCT, CEILING + value(-60.0), 65536)),
    # the object is not Props (PropInfo's type)
    'not-props': props_object(pod(T_STRUCT, CEILING + value(-60.0)), object_type=0x40001),
    # values that are containers, nested deep
    'nested-values': props_object(pod(T_STRUCT, CEILING +
                                      pod(T_STRUCT, pod(T_STRUCT, pod(T_STRUCT, value(-60.0)))) +
                                      value('dacguard.output') +
                                      pod(T_STRUCT, value('bal-2.5')))),
    # a 30000-byte table
    'huge-table': props_write([('dacguard.output-ceilings', '{ "se-3.5": ' + ' ' * 30000 +
                                '-60 }')]),
    # an empty params struct and an empty object
    'empty-params': props_object(pod(T_STRUCT, b'')),
    'empty-object': pod(T_OBJECT, struct.pack('<II', OBJECT_PROPS, PARAM_PROPS)),
}

if len(sys.argv) > 2 and sys.argv[1] == '--malformed':
    out, pods = sys.argv[2], MALFORMED
else:
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                              'corpus', 'props')
    pods = {name: props_write(pairs) for name, pairs in SEEDS.items()}
    pods.update({'malformed-' + name: data for name, data in MALFORMED.items()})
os.makedirs(out, exist_ok=True)
for name, data in pods.items():
    with open(os.path.join(out, name + '.pod'), 'wb') as f:
        f.write(data)
