namespace PgFusion.Tpch.Generation;

/// <summary>The eight TPC-H tables; the value is also the random stream each one draws from.</summary>
public enum TpchTable
{
    Region = 1,
    Nation = 2,
    Supplier = 3,
    Customer = 4,
    Part = 5,
    PartSupp = 6,
    Orders = 7,
    LineItem = 8,
}
