using PgFusion.Tpch.Generation;

namespace PgFusion.Tpch.Schema;

/// <summary>
/// The TPC-H tables with the spec's column types (1.4.1: identifiers integer, decimals numeric(15,2),
/// fixed text char(n), variable text varchar(n), dates date), their primary keys and the foreign-key
/// indexes a user would create. Column order is the order TpchGenerator writes values in.
/// </summary>
public static class TpchSchema
{
    public static readonly IReadOnlyList<TpchTable> Tables =
    [
        TpchTable.Region, TpchTable.Nation, TpchTable.Supplier, TpchTable.Customer,
        TpchTable.Part, TpchTable.PartSupp, TpchTable.Orders, TpchTable.LineItem,
    ];

    public static string Name(TpchTable table) => table.ToString().ToLowerInvariant();

    public static string CreateTable(TpchTable table) => table switch
    {
        TpchTable.Region => """
            CREATE TABLE region (
                r_regionkey integer NOT NULL,
                r_name      char(25) NOT NULL,
                r_comment   varchar(152))
            """,
        TpchTable.Nation => """
            CREATE TABLE nation (
                n_nationkey integer NOT NULL,
                n_name      char(25) NOT NULL,
                n_regionkey integer NOT NULL,
                n_comment   varchar(152))
            """,
        TpchTable.Supplier => """
            CREATE TABLE supplier (
                s_suppkey   integer NOT NULL,
                s_name      char(25) NOT NULL,
                s_address   varchar(40) NOT NULL,
                s_nationkey integer NOT NULL,
                s_phone     char(15) NOT NULL,
                s_acctbal   numeric(15,2) NOT NULL,
                s_comment   varchar(101) NOT NULL)
            """,
        TpchTable.Customer => """
            CREATE TABLE customer (
                c_custkey    integer NOT NULL,
                c_name       varchar(25) NOT NULL,
                c_address    varchar(40) NOT NULL,
                c_nationkey  integer NOT NULL,
                c_phone      char(15) NOT NULL,
                c_acctbal    numeric(15,2) NOT NULL,
                c_mktsegment char(10) NOT NULL,
                c_comment    varchar(117) NOT NULL)
            """,
        TpchTable.Part => """
            CREATE TABLE part (
                p_partkey     integer NOT NULL,
                p_name        varchar(55) NOT NULL,
                p_mfgr        char(25) NOT NULL,
                p_brand       char(10) NOT NULL,
                p_type        varchar(25) NOT NULL,
                p_size        integer NOT NULL,
                p_container   char(10) NOT NULL,
                p_retailprice numeric(15,2) NOT NULL,
                p_comment     varchar(23) NOT NULL)
            """,
        TpchTable.PartSupp => """
            CREATE TABLE partsupp (
                ps_partkey    integer NOT NULL,
                ps_suppkey    integer NOT NULL,
                ps_availqty   integer NOT NULL,
                ps_supplycost numeric(15,2) NOT NULL,
                ps_comment    varchar(199) NOT NULL)
            """,
        TpchTable.Orders => """
            CREATE TABLE orders (
                o_orderkey      integer NOT NULL,
                o_custkey       integer NOT NULL,
                o_orderstatus   char(1) NOT NULL,
                o_totalprice    numeric(15,2) NOT NULL,
                o_orderdate     date NOT NULL,
                o_orderpriority char(15) NOT NULL,
                o_clerk         char(15) NOT NULL,
                o_shippriority  integer NOT NULL,
                o_comment       varchar(79) NOT NULL)
            """,
        TpchTable.LineItem => """
            CREATE TABLE lineitem (
                l_orderkey      integer NOT NULL,
                l_partkey       integer NOT NULL,
                l_suppkey       integer NOT NULL,
                l_linenumber    integer NOT NULL,
                l_quantity      numeric(15,2) NOT NULL,
                l_extendedprice numeric(15,2) NOT NULL,
                l_discount      numeric(15,2) NOT NULL,
                l_tax           numeric(15,2) NOT NULL,
                l_returnflag    char(1) NOT NULL,
                l_linestatus    char(1) NOT NULL,
                l_shipdate      date NOT NULL,
                l_commitdate    date NOT NULL,
                l_receiptdate   date NOT NULL,
                l_shipinstruct  char(25) NOT NULL,
                l_shipmode      char(10) NOT NULL,
                l_comment       varchar(44) NOT NULL)
            """,
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };

    /// <summary>Primary keys and foreign-key indexes, created after the load (one bulk build each is far cheaper).</summary>
    public static IReadOnlyList<string> Indexes(TpchTable table) => table switch
    {
        TpchTable.Region => ["ALTER TABLE region ADD PRIMARY KEY (r_regionkey)"],
        TpchTable.Nation =>
        [
            "ALTER TABLE nation ADD PRIMARY KEY (n_nationkey)",
            "CREATE INDEX nation_regionkey_idx ON nation (n_regionkey)",
        ],
        TpchTable.Supplier =>
        [
            "ALTER TABLE supplier ADD PRIMARY KEY (s_suppkey)",
            "CREATE INDEX supplier_nationkey_idx ON supplier (s_nationkey)",
        ],
        TpchTable.Customer =>
        [
            "ALTER TABLE customer ADD PRIMARY KEY (c_custkey)",
            "CREATE INDEX customer_nationkey_idx ON customer (c_nationkey)",
        ],
        TpchTable.Part => ["ALTER TABLE part ADD PRIMARY KEY (p_partkey)"],
        TpchTable.PartSupp =>
        [
            // The primary key (ps_partkey, ps_suppkey) also serves lookups by ps_partkey.
            "ALTER TABLE partsupp ADD PRIMARY KEY (ps_partkey, ps_suppkey)",
            "CREATE INDEX partsupp_suppkey_idx ON partsupp (ps_suppkey)",
        ],
        TpchTable.Orders =>
        [
            "ALTER TABLE orders ADD PRIMARY KEY (o_orderkey)",
            "CREATE INDEX orders_custkey_idx ON orders (o_custkey)",
        ],
        TpchTable.LineItem =>
        [
            "ALTER TABLE lineitem ADD PRIMARY KEY (l_orderkey, l_linenumber)",
            "CREATE INDEX lineitem_orderkey_idx ON lineitem (l_orderkey)",
            "CREATE INDEX lineitem_partkey_idx ON lineitem (l_partkey)",
            "CREATE INDEX lineitem_suppkey_idx ON lineitem (l_suppkey)",
            "CREATE INDEX lineitem_part_supp_idx ON lineitem (l_partkey, l_suppkey)",
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(table), table, null),
    };
}
