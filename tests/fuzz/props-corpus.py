#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the seeds of fuzz-props (tests/fuzz/corpus/props/*.pod): Props writes as
# pw-cli set-param sends them, encoded as SPA PODs (spa/pod/pod.h: a 32-bit size and
# type, the body padded to 8 bytes). Run it again after changing the list below.
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
    'bad-values': [('dacguard.ceiling-db', 'loud'), ('dacguard.output', 'phones'),
                   ('dacguard.mode', 3.0), ('dacguard.peak-db', 0.0),
                   ('dacguard.nonsense', None), ('volume', 1.5)],
    'converter': [('volume', 1.0), ('mute', False)],
}

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus',
                                                          'props')
os.makedirs(out, exist_ok=True)
for name, pairs in SEEDS.items():
    with open(os.path.join(out, name + '.pod'), 'wb') as f:
        f.write(props_write(pairs))
