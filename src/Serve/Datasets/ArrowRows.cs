using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Serve.Datasets;

/// <summary>
/// Transition rows as an Arrow IPC stream (application/vnd.apache.arrow.stream): one record batch
/// per data file, vectors as fixed-size lists of float32, so pyarrow, Polars and DuckDB read a
/// dataset version without our CLI.
/// </summary>
public static class ArrowRows
{
    public const string MediaType = "application/vnd.apache.arrow.stream";

    public static Schema SchemaFor(int obsDim, int actDim) => new Schema.Builder()
        .Field(new Field(TransitionColumns.EpisodeId, Int64Type.Default, false))
        .Field(new Field(TransitionColumns.Step, Int32Type.Default, false))
        .Field(new Field(TransitionColumns.Variant, StringType.Default, false))
        .Field(new Field(TransitionColumns.Source, StringType.Default, false))
        .Field(new Field(TransitionColumns.Obs, Vector(obsDim), false))
        .Field(new Field(TransitionColumns.Action, Vector(actDim), false))
        .Field(new Field(TransitionColumns.NextObs, Vector(obsDim), false))
        .Field(new Field(TransitionColumns.Reward, FloatType.Default, false))
        .Field(new Field(TransitionColumns.Cost, FloatType.Default, false))
        .Field(new Field(TransitionColumns.Unsafe, BooleanType.Default, false))
        .Field(new Field(TransitionColumns.Terminal, BooleanType.Default, false))
        .Field(new Field(TransitionColumns.Truncated, BooleanType.Default, false))
        .Build();

    public static async Task WriteAsync(Stream output, int obsDim, int actDim, IAsyncEnumerable<TransitionBatch> batches, CancellationToken ct)
    {
        var schema = SchemaFor(obsDim, actDim);
        using var writer = new ArrowStreamWriter(output, schema, leaveOpen: true);
        await writer.WriteStartAsync(ct).ConfigureAwait(false);
        await foreach (var b in batches.WithCancellation(ct).ConfigureAwait(false))
        {
            if (b.Count == 0) continue;
            using var batch = ToRecordBatch(schema, b);
            await writer.WriteRecordBatchAsync(batch, ct).ConfigureAwait(false);
        }
        await writer.WriteEndAsync(ct).ConfigureAwait(false);
    }

    public static RecordBatch ToRecordBatch(Schema schema, TransitionBatch b)
    {
        var variant = new StringArray.Builder();
        var source = new StringArray.Builder();
        for (int i = 0; i < b.Count; i++)
        {
            variant.Append(b.Variant[i]);
            source.Append(b.Source[i]);
        }
        IArrowArray[] columns =
        [
            new Int64Array.Builder().AppendRange(b.EpisodeId.ToArray()).Build(),
            new Int32Array.Builder().AppendRange(b.Step.ToArray()).Build(),
            variant.Build(),
            source.Build(),
            VectorArray(b.Obs, b.ObsDim, b.Count),
            VectorArray(b.Action, b.ActDim, b.Count),
            VectorArray(b.NextObs, b.ObsDim, b.Count),
            new FloatArray.Builder().AppendRange(b.Reward.ToArray()).Build(),
            new FloatArray.Builder().AppendRange(b.Cost.ToArray()).Build(),
            new BooleanArray.Builder().AppendRange(b.Unsafe.ToArray()).Build(),
            new BooleanArray.Builder().AppendRange(b.Terminal.ToArray()).Build(),
            new BooleanArray.Builder().AppendRange(b.Truncated.ToArray()).Build(),
        ];
        return new RecordBatch(schema, columns, b.Count);
    }

    private static FixedSizeListType Vector(int dim) => new(new Field("item", FloatType.Default, false), dim);

    private static FixedSizeListArray VectorArray(ReadOnlySpan<float> values, int dim, int rows)
    {
        var flat = new FloatArray.Builder().AppendRange(values.ToArray()).Build();
        return new FixedSizeListArray(Vector(dim), rows, flat, ArrowBuffer.Empty);
    }
}
