# Medians per variant and query of perf/gc-ab.sh output, and the geometric mean of each variant against the first.
import sys,statistics,math,collections
d=collections.defaultdict(list)
for line in open(sys.argv[1]):
    p=line.split()
    if len(p)==3 and not p[0].startswith("#"): d[(p[0],int(p[1]))].append(float(p[2]))
vs=[]; 
for (v,q) in d:
    if v not in vs: vs.append(v)
qs=sorted({q for (_,q) in d})
print("q "+" ".join(f"{v:>9}" for v in vs))
logs=collections.defaultdict(float)
for q in qs:
    meds={v:statistics.median(d[(v,q)]) for v in vs if (v,q) in d}
    print(f"Q{q:<2} "+" ".join(f"{meds.get(v,float('nan')):9.1f}" for v in vs))
    for v in vs:
        if v in meds: logs[v]+=math.log(meds[v]/meds[vs[0]])
print("geomean ratio vs",vs[0],": "+" ".join(f"{v}={math.exp(logs[v]/len(qs)):.3f}" for v in vs))
print("n per cell:", {v:len(d[(v,qs[0])]) for v in vs})
