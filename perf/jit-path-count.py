#!/usr/bin/env python3
# Counts the instructions of one path through a .NET JIT listing (DOTNET_JitDisasm + DOTNET_JitStdOutFile), e.g. the
# all-guessed tuple of TupleWalker.WalkPage (decoder15): from a block label, jmp always taken, a conditional jump only when
# "FROM>TO" (block labels without the G_M000_ prefix, or *>TO) is listed, until the walk is back at the start label.
# usage: jit-path-count.py listing.txt IG41 "IG41>IG43,IG43>IG08"
import re, sys


lines=open(sys.argv[1]).read().split('\n')
start=sys.argv[2]; taken=set(x for x in sys.argv[3].split(',') if x)
blocks={}; order=[]; cur=None
for l in lines:
    m=re.match(r'(G_M\d+_IG\d+):',l)
    if m: cur=m.group(1); blocks[cur]=[]; order.append(cur); continue
    if cur and l.startswith('       ') and l.strip() and not l.strip().startswith(';'):
        blocks[cur].append(l.strip())
short=lambda n: n.split('_')[-1]
pfx=order[0].rsplit('_',1)[0]+'_'
lab=pfx+start
count=0; path=[]; seen=0
while True:
    path.append(short(lab))
    nxt=None
    for ins in blocks[lab]:
        count+=1
        op=ins.split()[0]
        if op=='jmp':
            nxt=ins.split()[-1]; break
        if op.startswith('j'):
            tgt=ins.split()[-1]
            if f"{short(lab)}>{short(tgt)}" in taken or f"*>{short(tgt)}" in taken:
                nxt=tgt; break
        if op in('ret',): print('ret!'); sys.exit()
    if nxt is None:
        nxt=order[order.index(lab)+1]
    lab=nxt
    seen+=1
    if short(lab)==start or seen>400: break
print(count, ' '.join(path))
