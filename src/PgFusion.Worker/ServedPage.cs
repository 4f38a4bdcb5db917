namespace PgFusion.Worker;

/// <summary>
/// A page the backend served: still in the shared pool (<see cref="PoolIndex"/> &gt;= 0, decoded in
/// place, then released), or copied out (<see cref="Copy"/>: page then visibility bitmap) because it
/// arrived while another scan was being read. <see cref="WakeOnRelease"/>: the last page of its
/// message, whose release wakes the backend (one wake per PAGE_RUN, not per page).
/// </summary>
internal sealed record ServedPage(int PoolIndex, byte[]? Copy, uint Block, uint Visible, DetoastedValues? Detoasted, bool WakeOnRelease = true, bool Credited = false);
