#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (run from the
source root; needs qrencode and ImageMagick's convert for the decoder's
seeds). The files are committed; run this again only to change them."""
import json
import os
import re
import struct
import subprocess
import tempfile

root = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(root, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


src = os.path.dirname(os.path.dirname(root))


def read(*parts):
    with open(os.path.join(src, *parts), 'rb') as f:
        return f.read()


# label-ref: the payloads of tests/test-label-ref.c, plus odd bytes.
text = read('tests', 'test-label-ref.c').decode()
payloads = sorted(set(m.group(1) for m in re.finditer(r'"((?:[^"\\]|\\.){4,200})"', text)
                      if re.search(r'CSA|http|sik|tietoturva|\.fi|\.sg', m.group(1))))
for i, p in enumerate(payloads[:60]):
    write('label-ref', 'test-%02d' % i, p.encode().decode('unicode_escape').encode('latin-1', 'replace'))
write('label-ref', 'empty', b'')
write('label-ref', 'nul', b'CSA/311228/1001\x00https://evil.example/')
write('label-ref', 'latin1', b'CSA/311228/1001 \xe4\xf6')
write('label-ref', 'rtl', 'CSA/311228/\u202e1001'.encode())

# registry-json: registry data, single records, and hostile shapes.
for name in ('csa.json', 'traficom.json'):
    write('registry-json', name, read('tests', 'data', name))
for name in ('sg-csa.json', 'fi-traficom.json'):
    write('registry-json', 'demo-' + name, read('data', 'demo', name))
record = json.loads(read('tests', 'data', 'csa.json'))['records'][0]
write('registry-json', 'record.json', json.dumps(record))
write('registry-json', 'records-list.json', json.dumps([record, record]))
write('registry-json', 'duplicate-keys.json', '{"scheme":"sg-cls","id":"CSA/300929/2001","id":"X","level":3,"status":"active","product":{"brand":"a","model":"b"}}')
write('registry-json', 'huge-number.json', json.dumps(record).replace('"level": 3', '"level": 1' + '0' * 400))
write('registry-json', 'nested.json', '[' * 3000 + ']' * 3000)
write('registry-json', 'bad-date.json', json.dumps(dict(record, expires='2029-02-30')))

# import: byte 0 picks the scheme (0 sg-cls, 1 fi-ttm), then the CSV.
write('import', 'csa-sample', b'\x00' + read('tests', 'data', 'csa-sample.csv'))
write('import', 'csa-bad', b'\x00' + read('tests', 'data', 'csa-bad.csv'))
write('import', 'ttm', b'\x01id,brand,model,level,status,issued,expires\n'
      b'ruuvitag,Ruuvi,RuuviTag,0,active,2024-01-01,\n'
      b'"a""b",x,"y\r\nz",0,revoked,,2030-12-31\n')
write('import', 'crlf-quotes', b'\x00id,brand,model,level,status\r\n"CSA/311228/1001","B ""q""",M,2,suspended\r\n')

# response: byte 0 the request (0 label, 1 search, 2 snapshot, 3 snapshot
# with ETag), byte 1 the status index (0 200, 1 304, 2 404, 3 500), then
# headers, CRLF CRLF, body.
def response(kind, status, headers, body):
    if isinstance(body, str):
        body = body.encode()
    return bytes([kind, status]) + ''.join(h + '\r\n' for h in headers).encode() + b'\r\n' + body

label = dict(record, id='CSA/311227/0001', product=dict(brand='Hostile Test', model='Model 1'))
ct = 'Content-Type: application/json'
write('response', 'label-200', response(0, 0, ['HTTP/1.1 200 OK', ct, 'Content-Length: 200'], json.dumps(label)))
write('response', 'label-other-id', response(0, 0, ['HTTP/1.1 200 OK', ct], json.dumps(dict(label, id='CSA/311227/0002'))))
write('response', 'label-404', response(0, 2, ['HTTP/1.1 404 Not Found', ct], '{"error":"not-found"}'))
write('response', 'label-gzip', response(0, 0, ['HTTP/1.1 200 OK', 'Content-Encoding: gzip'], b'\x1f\x8b\x08\x00' + b'\x00' * 20))
write('response', 'search-200', response(1, 0, ['HTTP/1.1 200 OK', ct], json.dumps({'records': [label, dict(label, id='CSA/311227/0003')]})))
write('response', 'search-empty', response(1, 0, ['HTTP/1.1 200 OK', ct], '{"records":[]}'))
write('response', 'search-fullwidth', response(1, 0, ['HTTP/1.1 200 OK'], json.dumps({'records': [dict(label, product=dict(brand=' ＨOSTILE test', model='model 1'))]})))
snap = {'registry': 'sg-csa', 'generated': '2026-11-20T00:00:00Z', 'records': [label]}
write('response', 'snapshot-200', response(2, 0, ['HTTP/1.1 200 OK', 'ETag: "v2"', ct], json.dumps(snap)))
write('response', 'snapshot-304', response(3, 1, ['HTTP/1.1 304 Not Modified', 'ETag: "hostile-1"'], ''))
write('response', 'snapshot-100-continue', response(2, 0, ['HTTP/1.1 100 Continue', '', 'HTTP/1.1 200 OK', 'ETag: "x"'], json.dumps(snap)))
write('response', 'server-error', response(0, 3, ['HTTP/1.1 500 Internal Server Error'], '{"error":"internal"}'))

# decoder: bytes 0-3 width and height in cells (little-endian, folded
# into 1..320), byte 4 the mode (bit 0: still), the stride padding (bits
# 1-3) and the cell size less one (bits 4-7), then the cells. The seeds are
# real codes at one cell a module, so that the fuzzer mutates modules.
def qr_cells(text, margin=4):
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, 'code.png')
        subprocess.run(['qrencode', '-s', '1', '-m', str(margin), '-o', png, text], check=True)
        size = subprocess.run(['identify', '-format', '%w %h', png], check=True,
                              capture_output=True, text=True).stdout.split()
        w, h = int(size[0]), int(size[1])
        raw = subprocess.run(['convert', png, '-depth', '8', 'gray:-'], check=True,
                             capture_output=True).stdout
        assert len(raw) == w * h, (text, w, h)
        return w, h, raw


def frame(columns, rows, still, cell, cells, padding=0):
    flags = (1 if still else 0) | (padding << 1) | ((cell - 1) << 4)
    return struct.pack('<HHB', columns - 1, rows - 1, flags) + cells


for name, text, cell, still in (('csa-live', 'CSA/311228/1001', 4, False),
                                ('csa-still', 'CSA/311228/1001', 3, True),
                                ('ttm-url', 'https://tietoturvamerkki.fi/en/products/ruuvitag', 3, True),
                                ('latin1', 'Label \xe4', 4, False)):
    w, h, raw = qr_cells(text)
    write('decoder', name, frame(w, h, still, cell, raw, padding=3 if still else 0))
# Inverted (light modules on dark), for the still mode's inverted pass.
w, h, raw = qr_cells('CSA/311228/1001')
write('decoder', 'csa-inverted', frame(w, h, True, 3, bytes(255 - b for b in raw)))
# A live frame of more than 250 000 pixels (640 x 400), for the live
# pass's centre crop: the code in the middle of a wider white grid.
w, h, raw = qr_cells('CSA/311228/1001')
columns, rows = 64, 40
grid = bytearray(b'\xff' * columns * rows)
for y in range(h):
    x0 = (columns - w) // 2
    grid[(y + 5) * columns + x0:(y + 5) * columns + x0 + w] = raw[y * w:(y + 1) * w]
# Twice: the live pass looks at large frames whole and at their centre in
# turns, and the regression test replays the corpus in order.
write('decoder', 'csa-live-large', frame(columns, rows, False, 10, bytes(grid)))
write('decoder', 'csa-live-large-next', frame(columns, rows, False, 10, bytes(grid)))
write('decoder', 'noise', frame(40, 40, True, 1, os.urandom(40 * 40)))
write('decoder', 'tiny', frame(1, 1, False, 1, b'\x00'))
