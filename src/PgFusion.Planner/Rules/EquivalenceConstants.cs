using PgFusion.Planner.Binding;
using PgFusion.Planner.Json;
using PgFusion.Planner.Logical;
using PgFusion.Types;

namespace PgFusion.Planner.Rules;

/// <summary>
/// The constants of PostgreSQL's equivalence classes (equivclass.c): the mergejoinable equalities
/// of one join domain (the WHERE conjuncts and the ON conjuncts of the inner joins beneath, through
/// the preserved input of outer joins) form classes of expressions known equal, and a class holding a
/// constant gives every other member <c>member = constant</c> (generate_base_implied_equalities_const),
/// which PostgreSQL adds to that member's relation's restriction list and orders by cost with its
/// other quals. So <c>a LEFT JOIN b ON a.id = b.id WHERE b.id = -32768 AND a.id - a.c5 &lt;= 81</c>
/// (the join made inner) filters t1 on <c>a.id = -32768</c> before the dearer subtraction, which then
/// meets no row (seed 640 case 3558: pg_fusion raised 22003 where PostgreSQL returned no row).
/// <para>
/// Exactly as process_equivalence builds them, in the order deconstruct_jointree distributes the
/// quals (a join's inputs, then its ON clause; a filter's input, then the filter): a conjunct
/// <c>x = y</c> of an <c>=</c> operator of a btree family, sides that differ; a member matches
/// another of the same family, collation, operator input type and expression; a class is made,
/// extended, or two merged. A member that reads no column is a constant (here only a literal; a
/// class with another pseudoconstant is left as written; one with two literals also gets their
/// comparison, false when they differ, <see cref="SameValue"/>). A class of two
/// members from one conjunct keeps that conjunct. Otherwise each non-constant member, in member
/// order, gets <c>member = constant</c> with the family's operator for the member's type and the
/// constant's (select_equality_operator: <c>int4 = int2</c> is int42eq), appended after every
/// other conjunct of the domain's top filter (PostgreSQL appends them to the restriction lists
/// after the quals deconstruct_jointree distributed; QualOrdering lists equalities last), from where
/// predicate pushdown takes them to their relations. The conjuncts the class came from are dropped
/// when they read one relation (PostgreSQL enforces none of them); an equality between members of
/// two relations stays as the join's condition, which PostgreSQL drops (a class with a constant
/// makes no join clause): both sides already equal the constant, so it keeps every pair and
/// raises nothing new, and the join keeps its hash keys.
/// </para>
/// <para>
/// Not members: an equality on the nullable side of an outer join as seen from above it (it is an
/// outer-join clause, or delayed by it), IS NOT DISTINCT FROM, equalities reading a column that is
/// not a table's (or a WITH query scan's) reached through inner joins and preserved inputs. Inside a nullable input the
/// domain is that input's own filters and inner joins, whose members must be strict (columns):
/// process_equivalence's below_outer_join rule.
/// </para>
/// </summary>
public sealed class EquivalenceConstants(QueryCatalog catalog) : IRewriteRule
{
    public string Name => "equivalence_constants";

    public LogicalPlan Apply(LogicalPlan plan) => Visit(plan, nullable: false);

    private LogicalPlan Visit(LogicalPlan plan, bool nullable)
    {
        if (IsDomainRoot(plan)) return Derive(plan, nullable);
        if (plan is LogicalJoin j && IsPlain(j))
        {
            return j.Kind switch
            {
                LogicalJoinType.Left or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti => j with { Left = Visit(j.Left, nullable), Right = Visit(j.Right, true) },
                LogicalJoinType.Right => j with { Left = Visit(j.Left, true), Right = Visit(j.Right, nullable) },
                LogicalJoinType.Full => j with { Left = Visit(j.Left, true), Right = Visit(j.Right, true) },
                _ => j with { Left = Visit(j.Left, nullable), Right = Visit(j.Right, nullable) },
            };
        }
        return plan.MapChildren(c => Visit(c, nullable));
    }

    /// <summary>A filter over a table, a WITH query's scan or an inner join, or an inner join: the top of a join domain.</summary>
    private static bool IsDomainRoot(LogicalPlan plan) => plan switch
    {
        LogicalFilter f => IsPlainFilter(f) && (f.Input is LogicalScan or LogicalCteScan || f.Input is LogicalJoin j && IsPlain(j)),
        LogicalJoin { Kind: LogicalJoinType.Inner } j => IsPlain(j),
        _ => false,
    };

    private static bool IsPlainFilter(LogicalFilter f) => !f.OneTime && !f.OverGroupingSets;

    /// <summary>A join of the FROM clause: not one the binder made for a sub-query (InitPlan, gate, domain, decorrelation, LATERAL) nor a scan's uncorrelated mark.</summary>
    private static bool IsPlain(LogicalJoin j) =>
        !j.InitPlan && !j.Gated && !j.Domain && !j.Subquery && !j.LateralInner && !PredicatePushdown.IsScanWithInitPlanMark(j);

    private sealed class Member(BoundExpr expr, uint type, bool isConst)
    {
        public BoundExpr Expr { get; } = expr;
        public uint Type { get; } = type;
        public bool IsConst { get; } = isConst;
    }

    private sealed class EqClass(string family, uint collation)
    {
        public string Family { get; } = family;
        public uint Collation { get; } = collation;
        public List<Member> Members { get; } = [];
        public List<BoundFuncCall> Sources { get; } = [];
    }

    /// <summary>The domain's conjuncts (in distribution order) and the tables its columns come from.</summary>
    private sealed class Domain
    {
        public List<BoundExpr> Conjuncts { get; } = [];
        public Dictionary<int, int> TableOfColumn { get; } = [];
        public int Tables { get; set; }
    }

    private void Collect(LogicalPlan plan, Domain domain)
    {
        switch (plan)
        {
            case LogicalFilter f when IsPlainFilter(f):
                Collect(f.Input, domain);
                domain.Conjuncts.AddRange(PredicatePushdown.Conjuncts(f.Predicate));
                return;
            case LogicalJoin j when IsPlain(j) && j.Kind == LogicalJoinType.Inner:
                Collect(j.Left, domain);
                Collect(j.Right, domain);
                if (j.Condition is not null) domain.Conjuncts.AddRange(PredicatePushdown.Conjuncts(j.Condition));
                return;
            case LogicalJoin j when IsPlain(j) && j.Kind is LogicalJoinType.Left or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti or LogicalJoinType.Semi:
                // The preserved input belongs to the domain; the ON clause is the outer join's own.
                Collect(j.Left, domain);
                return;
            case LogicalJoin j when IsPlain(j) && j.Kind is LogicalJoinType.Right:
                Collect(j.Right, domain);
                return;
            case LogicalScan or LogicalCteScan:
            {
                // A table or a WITH query's scan: a base relation whose columns are class members.
                int table = domain.Tables++;
                foreach (var column in plan.Output) domain.TableOfColumn[column.Id] = table;
                return;
            }
            default:
                return;
        }
    }

    private LogicalPlan Derive(LogicalPlan root, bool nullable)
    {
        var domain = new Domain();
        Collect(root, domain);
        var classes = new List<EqClass>();
        foreach (var conjunct in domain.Conjuncts)
        {
            if (Candidate(conjunct, domain, nullable) is not { } c) continue;
            Add(classes, c);
        }

        var drop = new HashSet<BoundExpr>(ReferenceEqualityComparer.Instance);
        var derived = new List<BoundExpr>();
        foreach (var ec in classes)
        {
            var constants = ec.Members.Where(m => m.IsConst).ToList();
            if (constants.Count == 0 || ec.Members.Count < 2) continue;
            // The trivial case (one "var = const" clause): the clause itself, as written.
            if (ec.Members.Count == 2 && ec.Sources.Count == 1) continue;
            var constant = constants[0];
            var classDerived = new List<BoundExpr>();
            if (constants.Count > 1)
            {
                // Every other constant = the first: folded, false makes the relations' quals false.
                if (constants.Skip(1).Select(c => SameValue(constant, c)).ToList() is not { } same || same.Contains(null)) continue;
                if (same.Contains(false)) classDerived.Add(new BoundConst(false, PgType.Bool));
            }
            bool broken = false;
            foreach (var m in ec.Members)
            {
                if (m.IsConst) continue;
                if (EqualityOperator(ec, m.Type, constant.Type) is not { } op)
                {
                    broken = true;
                    break;
                }
                classDerived.Add(new BoundFuncCall(op.FuncOid, op.Name, [m.Expr, constant.Expr], PgType.Bool) { InputCollation = ec.Collation });
            }
            if (broken) continue;
            derived.AddRange(classDerived);
            foreach (var s in ec.Sources)
            {
                // An equality between members of two tables stays as a join condition (see the summary).
                var tables = s.ReferencedColumns().Select(c => domain.TableOfColumn[c.Id]).ToHashSet();
                bool withConstant = s.Args.Any(a => !a.ReferencedColumns().Any());
                if (withConstant || tables.Count <= 1) drop.Add(s);
            }
        }
        var rewritten = derived.Count == 0 ? root : Remove(root, drop, isRoot: true, derived);
        return VisitOutside(rewritten, nullable);
    }

    /// <summary>
    /// Whether two literal members of a class are equal, as generate_base_implied_equalities_const's
    /// <c>constant = first constant</c> folds (process_implied_equality: both constant, evaluated; TRUE
    /// is dropped, FALSE makes the relations' restriction constant false, a One-Time Filter that reads
    /// nothing: seed 795 case 3256, `x2 IN (58) AND x2 = -7::int8` over a WITH query whose select list
    /// overflowed). Null when this does not know how the family compares them (then the class is left
    /// as written): integers of any width, and same-typed text, booleans and dates.
    /// </summary>
    private static bool? SameValue(Member first, Member other)
    {
        if (first.Expr is not BoundConst { Value: { } a } || other.Expr is not BoundConst { Value: { } b }) return null;
        static bool IsInteger(uint t) => t is PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8;
        if (IsInteger(first.Type) && IsInteger(other.Type) && a is short or int or long && b is short or int or long)
            return Convert.ToInt64(a, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToInt64(b, System.Globalization.CultureInfo.InvariantCulture);
        if (first.Type == other.Type && first.Type is PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bool or PgTypeOid.Date && a.GetType() == b.GetType())
            return a.Equals(b);
        return null;
    }

    /// <summary>The inputs below a domain that it does not cover (nullable sides, sub-queries), each visited on its own.</summary>
    private LogicalPlan VisitOutside(LogicalPlan plan, bool nullable) => plan switch
    {
        LogicalFilter f when IsPlainFilter(f) => f with { Input = VisitOutside(f.Input, nullable) },
        LogicalJoin j when IsPlain(j) && j.Kind == LogicalJoinType.Inner => j with { Left = VisitOutside(j.Left, nullable), Right = VisitOutside(j.Right, nullable) },
        LogicalJoin j when IsPlain(j) && j.Kind is LogicalJoinType.Left or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti => j with { Left = VisitOutside(j.Left, nullable), Right = Visit(j.Right, true) },
        LogicalJoin j when IsPlain(j) && j.Kind is LogicalJoinType.Semi => j with { Left = VisitOutside(j.Left, nullable), Right = Visit(j.Right, nullable) },
        LogicalJoin j when IsPlain(j) && j.Kind is LogicalJoinType.Right => j with { Left = Visit(j.Left, true), Right = VisitOutside(j.Right, nullable) },
        LogicalScan or LogicalCteScan => plan,
        _ => Visit(plan, nullable),
    };

    /// <summary>The domain without the dropped conjuncts, the derived ones appended to its top filter (made when the top is a join).</summary>
    private static LogicalPlan Remove(LogicalPlan plan, HashSet<BoundExpr> drop, bool isRoot, List<BoundExpr> derived)
    {
        switch (plan)
        {
            case LogicalFilter f when IsPlainFilter(f):
            {
                var input = Remove(f.Input, drop, isRoot: false, derived);
                var conjuncts = PredicatePushdown.Conjuncts(f.Predicate);
                var kept = conjuncts.Where(c => !drop.Contains(c)).ToList();
                if (isRoot) kept.AddRange(derived);
                if (kept.Count == conjuncts.Count && !isRoot && ReferenceEquals(input, f.Input)) return f;
                if (kept.Count == 0) return input;
                return f with { Input = input, Predicate = PredicateSimplification.Conjunction(kept) };
            }
            case LogicalJoin j when IsPlain(j) && j.Kind == LogicalJoinType.Inner:
            {
                var rebuilt = j with { Left = Remove(j.Left, drop, false, derived), Right = Remove(j.Right, drop, false, derived) };
                if (j.Condition is not null)
                {
                    var conjuncts = PredicatePushdown.Conjuncts(j.Condition);
                    var kept = conjuncts.Where(c => !drop.Contains(c)).ToList();
                    if (kept.Count != conjuncts.Count) rebuilt = rebuilt with { Condition = kept.Count == 0 ? null : PredicateSimplification.Conjunction(kept) };
                }
                return isRoot ? new LogicalFilter(rebuilt, PredicateSimplification.Conjunction(derived)) : rebuilt;
            }
            case LogicalJoin j when IsPlain(j) && j.Kind is LogicalJoinType.Left or LogicalJoinType.Anti or LogicalJoinType.NullAwareAnti or LogicalJoinType.Semi:
                return j with { Left = Remove(j.Left, drop, false, derived) };
            case LogicalJoin j when IsPlain(j) && j.Kind is LogicalJoinType.Right:
                return j with { Right = Remove(j.Right, drop, false, derived) };
            default:
                return plan;
        }
    }

    /// <summary>An equality process_equivalence takes, with its members' nominal types; null otherwise.</summary>
    private (BoundFuncCall Call, string Family, uint Collation, uint LeftType, uint RightType)? Candidate(BoundExpr conjunct, Domain domain, bool nullable)
    {
        if (conjunct is not BoundFuncCall { Args: [var l, var r] } call) return null;
        if (catalog.OperatorOfFunction(call.FuncOid) is not { Name: "=" } op) return null;
        if (Family(op.Left, op.Right) is not { } family) return null;
        if (BoundExprComparer.Instance.Equals(l, r)) return null;
        bool lConst = !l.ReferencedColumns().Any(), rConst = !r.ReferencedColumns().Any();
        if (lConst && rConst) return null;
        foreach (var side in (BoundExpr[])[l, r])
        {
            if (HasPlaceholder(side)) return null;
            if (!side.ReferencedColumns().Any())
            {
                // A literal; another pseudoconstant (a stable call) is left as written.
                if (side is not BoundConst { Value: not null }) return null;
                continue;
            }
            if (!side.ReferencedColumns().All(c => domain.TableOfColumn.ContainsKey(c.Id))) return null;
            // Below an outer join only strict members (process_equivalence's below_outer_join check).
            if (nullable && StripRelabel(side) is not LogicalColumnRef) return null;
        }
        uint collation = call.InputCollation;
        if (collation == 0 && (SupportedTypes.IsCollatable(op.Left) || SupportedTypes.IsCollatable(op.Right))) collation = DatabaseLocale.DefaultCollation;
        return (call, family, collation, op.Left, op.Right);
    }

    private static void Add(List<EqClass> classes, (BoundFuncCall Call, string Family, uint Collation, uint LeftType, uint RightType) c)
    {
        var item1 = c.Call.Args[0];
        var item2 = c.Call.Args[1];
        EqClass? ec1 = null, ec2 = null;
        int ec2Index = -1;
        for (int i = 0; i < classes.Count && (ec1 is null || ec2 is null); i++)
        {
            var ec = classes[i];
            if (ec.Collation != c.Collation || ec.Family != c.Family) continue;
            foreach (var m in ec.Members)
            {
                if (ec1 is null && m.Type == c.LeftType && BoundExprComparer.Instance.Equals(item1, m.Expr))
                {
                    ec1 = ec;
                    if (ec2 is not null) break;
                }
                if (ec2 is null && m.Type == c.RightType && BoundExprComparer.Instance.Equals(item2, m.Expr))
                {
                    ec2 = ec;
                    ec2Index = i;
                    if (ec1 is not null) break;
                }
            }
        }
        EqClass target;
        if (ec1 is not null && ec2 is not null)
        {
            if (!ReferenceEquals(ec1, ec2))
            {
                ec1.Members.AddRange(ec2.Members);
                ec1.Sources.AddRange(ec2.Sources);
                classes.RemoveAt(ec2Index);
            }
            target = ec1;
        }
        else if (ec1 is not null)
        {
            ec1.Members.Add(NewMember(item2, c.RightType));
            target = ec1;
        }
        else if (ec2 is not null)
        {
            ec2.Members.Add(NewMember(item1, c.LeftType));
            target = ec2;
        }
        else
        {
            target = new EqClass(c.Family, c.Collation);
            target.Members.Add(NewMember(item1, c.LeftType));
            target.Members.Add(NewMember(item2, c.RightType));
            classes.Add(target);
        }
        target.Sources.Add(c.Call);
    }

    private static Member NewMember(BoundExpr e, uint type) => new(e, type, !e.ReferencedColumns().Any());

    private static BoundExpr StripRelabel(BoundExpr e) => e is BoundRelabel { Placeholder: false } r ? StripRelabel(r.Arg) : e;

    private static bool HasPlaceholder(BoundExpr e) => e is BoundRelabel { Placeholder: true } || e.Children().Any(HasPlaceholder);

    /// <summary>
    /// The btree operator family of an <c>=</c> between the two types: PostgreSQL's integer_ops,
    /// float_ops and datetime_ops hold cross-type equalities; every other family here holds one
    /// type's (varchar compares as text). Null for an operator of no family pg_fusion knows.
    /// </summary>
    internal static string? Family(uint left, uint right)
    {
        static string? Of(uint t) => t switch
        {
            PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 => "integer",
            PgTypeOid.Float4 or PgTypeOid.Float8 => "float",
            PgTypeOid.Date or PgTypeOid.Timestamp or PgTypeOid.Timestamptz => "datetime",
            PgTypeOid.Numeric => "numeric",
            PgTypeOid.Text => "text",
            PgTypeOid.Bpchar => "bpchar",
            PgTypeOid.Bool => "bool",
            PgTypeOid.Uuid => "uuid",
            PgTypeOid.Time => "time",
            PgTypeOid.Interval => "interval",
            PgTypeOid.Oid => "oid",
            _ => null,
        };
        return Of(left) is { } l && l == Of(right) ? l : null;
    }

    /// <summary>
    /// select_equality_operator: the <c>=</c> of the class's family for (member type, constant type):
    /// the integer and float families' from <see cref="BuiltinEqualities"/>, another one from the
    /// operators the query uses; null when none is known (the class is then left as written).
    /// </summary>
    private (uint FuncOid, string Name)? EqualityOperator(EqClass ec, uint memberType, uint constType)
    {
        if (BuiltinEqualities.Find(memberType, constType) is { } builtin) return (builtin.FuncId, BuiltinEqualities.FunctionName(builtin.FuncId)!);
        foreach (var op in catalog.Operators.Values.OrderBy(o => o.Oid))
        {
            if (op.Name != "=" || op.Left != memberType || op.Right != constType || Family(op.Left, op.Right) != ec.Family) continue;
            if (catalog.FunctionName(op.FuncId) is { } name) return (op.FuncId, name);
        }
        return null;
    }
}

/// <summary>
/// The <c>=</c> operators of PostgreSQL's integer_ops and float_ops btree families (pg_operator.dat),
/// which equivalence classes may call though the query does not: the catalog answers for them too.
/// </summary>
public static class BuiltinEqualities
{
    public static IReadOnlyList<CatalogOperator> Operators { get; } =
    [
        new(15, "=", PgTypeOid.Int4, PgTypeOid.Int8, PgTypeOid.Bool, 852, 36),
        new(94, "=", PgTypeOid.Int2, PgTypeOid.Int2, PgTypeOid.Bool, 63, 519),
        new(96, "=", PgTypeOid.Int4, PgTypeOid.Int4, PgTypeOid.Bool, 65, 518),
        new(410, "=", PgTypeOid.Int8, PgTypeOid.Int8, PgTypeOid.Bool, 467, 411),
        new(416, "=", PgTypeOid.Int8, PgTypeOid.Int4, PgTypeOid.Bool, 474, 417),
        new(532, "=", PgTypeOid.Int2, PgTypeOid.Int4, PgTypeOid.Bool, 158, 538),
        new(533, "=", PgTypeOid.Int4, PgTypeOid.Int2, PgTypeOid.Bool, 159, 539),
        new(620, "=", PgTypeOid.Float4, PgTypeOid.Float4, PgTypeOid.Bool, 287, 621),
        new(670, "=", PgTypeOid.Float8, PgTypeOid.Float8, PgTypeOid.Bool, 293, 671),
        new(1120, "=", PgTypeOid.Float4, PgTypeOid.Float8, PgTypeOid.Bool, 299, 1121),
        new(1130, "=", PgTypeOid.Float8, PgTypeOid.Float4, PgTypeOid.Bool, 305, 1131),
        new(1862, "=", PgTypeOid.Int2, PgTypeOid.Int8, PgTypeOid.Bool, 1850, 1863),
        new(1868, "=", PgTypeOid.Int8, PgTypeOid.Int2, PgTypeOid.Bool, 1856, 1869),
    ];

    private static readonly Dictionary<uint, string> Names = new()
    {
        [852] = "int48eq", [63] = "int2eq", [65] = "int4eq", [467] = "int8eq", [474] = "int84eq", [158] = "int24eq", [159] = "int42eq",
        [287] = "float4eq", [293] = "float8eq", [299] = "float48eq", [305] = "float84eq", [1850] = "int28eq", [1856] = "int82eq",
    };

    private static readonly Dictionary<uint, CatalogOperator> ByFunction = Operators.ToDictionary(o => o.FuncId);

    public static CatalogOperator? Find(uint left, uint right) => Operators.FirstOrDefault(o => o.Left == left && o.Right == right);

    public static CatalogOperator? OfFunction(uint funcId) => ByFunction.GetValueOrDefault(funcId);

    public static string? FunctionName(uint funcId) => Names.GetValueOrDefault(funcId);
}
