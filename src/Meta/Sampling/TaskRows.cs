using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Meta.Sampling;

/// <summary>
/// The rows of a <see cref="TransitionBatch"/> that make up one training task (one dynamics
/// variant, a list of them, or all), split by label so a class-balanced batch can be drawn
/// without scanning. Holds indices only: the transition data is never copied.
/// </summary>
public sealed class TaskRows
{
    private TaskRows(string name, TransitionBatch batch, int[] unsafeRows, int[] safeRows)
    {
        Name = name;
        Batch = batch;
        UnsafeRows = unsafeRows;
        SafeRows = safeRows;
    }

    public string Name { get; }
    public TransitionBatch Batch { get; }
    public int[] UnsafeRows { get; }
    public int[] SafeRows { get; }
    public int Count => UnsafeRows.Length + SafeRows.Length;

    /// <summary>All rows in ascending order (for fitting a normalisation).</summary>
    public int[] AllRows()
    {
        var all = new int[Count];
        UnsafeRows.CopyTo(all, 0);
        SafeRows.CopyTo(all, UnsafeRows.Length);
        Array.Sort(all);
        return all;
    }

    /// <summary>Rows whose variant is in <paramref name="variants"/>; every row when it is null.</summary>
    public static TaskRows Select(TransitionBatch batch, IReadOnlyCollection<string>? variants, string? name = null)
    {
        var set = variants is null ? null : new HashSet<string>(variants, StringComparer.Ordinal);
        var unsafeRows = new List<int>();
        var safeRows = new List<int>();
        var variant = batch.Variant;
        var flags = batch.Unsafe;
        for (int i = 0; i < batch.Count; i++)
        {
            if (set is not null && !set.Contains(variant[i])) continue;
            (flags[i] ? unsafeRows : safeRows).Add(i);
        }
        if (unsafeRows.Count + safeRows.Count == 0)
            throw new BadInputException($"no transitions for variant(s) {(variants is null ? "(all)" : string.Join(",", variants))}");
        return new TaskRows(name ?? (variants is null ? "all" : string.Join("+", variants)), batch, unsafeRows.ToArray(), safeRows.ToArray());
    }

    /// <summary>One task per variant, in ordinal order of the variant name (so task indices are reproducible).</summary>
    public static IReadOnlyList<TaskRows> PerVariant(TransitionBatch batch, IReadOnlyCollection<string>? variants = null)
    {
        var names = variants ?? Variants(batch);
        return names.OrderBy(v => v, StringComparer.Ordinal).Select(v => Select(batch, [v], v)).ToArray();
    }

    /// <summary>The distinct variant names in the batch, sorted ordinally.</summary>
    public static IReadOnlyList<string> Variants(TransitionBatch batch)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var v in batch.Variant) set.Add(v);
        return set.ToArray();
    }

    /// <summary>The rows of several tasks over the same batch as one task (Multi-Task pooling).</summary>
    public static TaskRows Union(IReadOnlyList<TaskRows> tasks, string name)
    {
        if (tasks.Count == 0) throw new BadInputException("no training tasks to pool");
        var batch = tasks[0].Batch;
        if (tasks.Any(t => !ReferenceEquals(t.Batch, batch))) throw new ArgumentException("pooled tasks must index the same transition batch");
        var unsafeRows = tasks.SelectMany(t => t.UnsafeRows).ToArray();
        var safeRows = tasks.SelectMany(t => t.SafeRows).ToArray();
        Array.Sort(unsafeRows);
        Array.Sort(safeRows);
        return new TaskRows(name, batch, unsafeRows, safeRows);
    }
}
