namespace PgFusion.Cli.Demo;

/// <summary>One analytical query of the demo.</summary>
/// <param name="Ordered">True when ORDER BY fixes a total order, so results compare row by row; else as multisets.</param>
public sealed record DemoQuery(string Name, string Sql, bool Ordered)
{
    /// <summary>Single-table queries within the walking skeleton: filters, grouped aggregates, top-N. Aggregates are over
    /// integers and numerics (exact in any order), so "identical" can be demanded of every one.</summary>
    public static readonly IReadOnlyList<DemoQuery> All =
    [
        new("pricing summary (Q1-like)", """
            SELECT returned, priority, sum(quantity) AS sum_qty, sum(unit_price * quantity) AS sum_base,
                   sum(unit_price * quantity * (1 - discount)) AS sum_disc, avg(quantity) AS avg_qty,
                   avg(discount) AS avg_disc, count(*) AS n
            FROM sales WHERE ship_date <= date '1998-09-02'
            GROUP BY returned, priority ORDER BY returned, priority
            """, true),
        new("forecast revenue (Q6-like)", """
            SELECT sum(unit_price * discount) AS revenue FROM sales
            WHERE ship_date >= date '1994-01-01' AND ship_date < date '1995-01-01'
              AND discount BETWEEN 0.05 AND 0.07 AND quantity < 24
            """, false),
        new("revenue by region", """
            SELECT region, count(*) AS n, sum(unit_price * quantity) AS revenue
            FROM sales GROUP BY region ORDER BY region
            """, true),
        new("price range by category", """
            SELECT category, min(unit_price), max(unit_price), avg(unit_price)
            FROM sales GROUP BY category ORDER BY category
            """, true),
        new("filtered count", """
            SELECT count(*) FROM sales
            WHERE region IN ('ASIA', 'EUROPE') AND quantity BETWEEN 10 AND 20 AND NOT returned AND comment LIKE 'note 1%'
            """, false),
        new("top-10 orders", """
            SELECT id, region, unit_price * quantity AS amount FROM sales
            WHERE category = 'Electronics' AND order_date >= date '1997-01-01'
            ORDER BY amount DESC, id LIMIT 10
            """, true),
        new("busiest products", """
            SELECT product_id, count(*) AS orders, sum(quantity) AS qty FROM sales
            WHERE order_date BETWEEN date '1995-01-01' AND date '1995-12-31'
            GROUP BY product_id ORDER BY qty DESC, product_id LIMIT 10
            """, true),
    ];
}
