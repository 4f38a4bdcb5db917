namespace PgFusion.Tpch.Generation;

public sealed partial class TpchGenerator
{
    /// <summary>Days from STARTDATE to the last order date, ENDDATE - 151 days (4.2.3, O_ORDERDATE).</summary>
    private static readonly int s_orderDateSpan = EndDate.DayNumber - 151 - StartDate.DayNumber;

    /// <summary>
    /// ORDERS and their 1..7 LINEITEMs (4.2.3). An order's status and total price come from its lines,
    /// so the lines are drawn first and the order row is written after them.
    /// </summary>
    public void GenerateOrdersAndLineItem(IRowSink orders, IRowSink lineItem)
    {
        var random = Stream(TpchTable.Orders);
        var lineRandom = Stream(TpchTable.LineItem);
        // Only customers whose key is not a multiple of 3 place orders: map an index over those keys.
        var orderingCustomers = Scale.Customers - Scale.Customers / 3;
        var currentDay = CurrentDate.DayNumber;
        for (var index = 1L; index <= Scale.Orders; index++)
        {
            var orderKey = (int)TpchScale.OrderKey(index);
            var k = random.Uniform(0, orderingCustomers - 1);
            var custKey = (int)(3 * (k / 2) + (k % 2) + 1);
            var orderDay = StartDate.DayNumber + random.Uniform(0, s_orderDateSpan);
            var priority = Pick(random, TpchDistributions.Priorities);
            var clerk = random.Uniform(1, Scale.Clerks);
            var comment = _pool.Text(random, 19, 78);

            var lines = random.Uniform(1, 7);
            long totalPrice = 0;
            int shipped = 0;
            for (var line = 1; line <= lines; line++)
            {
                var partKey = lineRandom.Uniform(1, Scale.Parts);
                var suppKey = Scale.SupplierOfPart(partKey, lineRandom.Uniform(0, 3));
                var quantity = lineRandom.Uniform(1, 50);
                var extendedPrice = quantity * RetailPrice(partKey);
                var discount = lineRandom.Uniform(0, 10);
                var tax = lineRandom.Uniform(0, 8);
                var shipDay = orderDay + lineRandom.Uniform(1, 121);
                var commitDay = orderDay + lineRandom.Uniform(30, 90);
                var receiptDay = shipDay + lineRandom.Uniform(1, 30);
                var returnFlag = receiptDay <= currentDay ? (lineRandom.Uniform(0, 1) == 0 ? "R" : "A") : "N";
                var lineStatus = shipDay > currentDay ? "O" : "F";
                if (lineStatus == "F")
                    shipped++;
                // dbgen's integer arithmetic in pennies: ext * (1 - discount), then * (1 + tax), truncating.
                totalPrice += extendedPrice * (100 - discount) / 100 * (100 + tax) / 100;

                lineItem.BeginRow();
                lineItem.Integer(orderKey);
                lineItem.Integer((int)partKey);
                lineItem.Integer((int)suppKey);
                lineItem.Integer(line);
                lineItem.Money(quantity * 100);
                lineItem.Money(extendedPrice);
                lineItem.Money(discount);
                lineItem.Money(tax);
                lineItem.Text(returnFlag);
                lineItem.Text(lineStatus);
                lineItem.Date(DateOnly.FromDayNumber(shipDay));
                lineItem.Date(DateOnly.FromDayNumber(commitDay));
                lineItem.Date(DateOnly.FromDayNumber(receiptDay));
                lineItem.Text(Pick(lineRandom, TpchDistributions.Instructions));
                lineItem.Text(Pick(lineRandom, TpchDistributions.Modes));
                lineItem.Text(_pool.Text(lineRandom, 10, 43));
            }

            orders.BeginRow();
            orders.Integer(orderKey);
            orders.Integer(custKey);
            orders.Text(shipped == lines ? "F" : shipped == 0 ? "O" : "P");
            orders.Money(totalPrice);
            orders.Date(DateOnly.FromDayNumber(orderDay));
            orders.Text(priority);
            orders.Text($"Clerk#{clerk:D9}");
            orders.Integer(0);
            orders.Text(comment);
        }
    }
}
