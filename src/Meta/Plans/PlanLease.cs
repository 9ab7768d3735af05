using System.Globalization;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Plans;

/// <summary>Who holds a plan and until when.</summary>
public sealed record LeaseRecord(string Worker, string RunId, DateTimeOffset ExpiresUtc);

/// <summary>A lease this worker holds: renew it before it expires, release it when done.</summary>
public sealed record HeldLease(string Plan, long Sequence, LeaseRecord Record);

/// <summary>
/// At most one run per plan across every process sharing the store, built on nothing but
/// create-if-absent: a lease is a sequence of objects plans/&lt;plan&gt;/lease/&lt;seq&gt;.json and the
/// newest one rules. Taking a free or expired lease, renewing it and releasing it are each the
/// creation of the next sequence number, so of two workers racing for the same step exactly one
/// wins, on a local directory and on a blob container alike. A worker that dies simply stops
/// renewing, and its lease is free once it expires.
/// </summary>
public sealed class PlanLease(IObjectStore objects, TimeProvider time)
{
    private static string Folder(string plan) => $"{PlanStore.Prefix}{plan}/lease/";

    private static string Key(string plan, long sequence) =>
        Folder(plan) + sequence.ToString("D19", CultureInfo.InvariantCulture) + ".json";

    /// <summary>The newest lease record and its sequence number, or null when the plan never had one.</summary>
    public async Task<(long Sequence, LeaseRecord Record)?> CurrentAsync(string plan, CancellationToken ct = default)
    {
        string? newest = null;
        await foreach (var info in objects.ListAsync(Folder(plan), ct).ConfigureAwait(false))
            if (info.Key.EndsWith(".json", StringComparison.Ordinal)) newest = info.Key;
        if (newest is null) return null;
        long sequence = long.Parse(newest.AsSpan(Folder(plan).Length, 19), CultureInfo.InvariantCulture);
        var bytes = await objects.TryReadAsync(newest, ct).ConfigureAwait(false);
        if (bytes is null) return await CurrentAsync(plan, ct).ConfigureAwait(false); // pruned while we listed
        return (sequence, PlanJson.Deserialize<LeaseRecord>(bytes, objects.Location, newest));
    }

    /// <summary>Takes the plan's lease for <paramref name="runId"/>, or returns null while another worker holds it.</summary>
    public async Task<HeldLease?> TryAcquireAsync(string plan, string worker, string runId, TimeSpan duration, CancellationToken ct = default)
    {
        var current = await CurrentAsync(plan, ct).ConfigureAwait(false);
        if (current is { } c && c.Record.ExpiresUtc > time.GetUtcNow()) return null;
        long next = (current?.Sequence ?? 0) + 1;
        return await TryCreateAsync(plan, next, new LeaseRecord(worker, runId, time.GetUtcNow() + duration), ct).ConfigureAwait(false);
    }

    /// <summary>Extends the lease; null when it was lost (it expired and another worker took it).</summary>
    public Task<HeldLease?> RenewAsync(HeldLease held, TimeSpan duration, CancellationToken ct = default) =>
        TryCreateAsync(held.Plan, held.Sequence + 1, held.Record with { ExpiresUtc = time.GetUtcNow() + duration }, ct);

    /// <summary>Frees the plan at once rather than at expiry.</summary>
    public async Task ReleaseAsync(HeldLease held, CancellationToken ct = default) =>
        await TryCreateAsync(held.Plan, held.Sequence + 1, held.Record with { ExpiresUtc = DateTimeOffset.MinValue }, ct).ConfigureAwait(false);

    private async Task<HeldLease?> TryCreateAsync(string plan, long sequence, LeaseRecord record, CancellationToken ct)
    {
        string key = Key(plan, sequence);
        if (!await objects.CreateIfAbsentAsync(key, PlanJson.Serialize(record), ct).ConfigureAwait(false))
            return null;
        // Older entries are pruned, so a worker that slept through its lease can find its next number
        // free again: it has lost if a newer entry than the one it just made exists.
        var older = new List<string>();
        await foreach (var info in objects.ListAsync(Folder(plan), ct).ConfigureAwait(false))
        {
            int order = string.CompareOrdinal(info.Key, key);
            if (order > 0) return null;
            if (order < 0) older.Add(info.Key);
        }
        foreach (string stale in older) await objects.DeleteAsync(stale, ct).ConfigureAwait(false);
        return new HeldLease(plan, sequence, record);
    }
}
