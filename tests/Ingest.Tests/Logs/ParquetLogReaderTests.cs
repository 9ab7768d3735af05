using OfflineSafety.Ingest.Logs;
using OfflineSafety.Parquet.Schema;
using OfflineSafety.Parquet.Writing;

namespace OfflineSafety.Ingest.Tests.Logs;

public sealed class ParquetLogReaderTests : IDisposable
{
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string WriteParquet(string name, ParquetSchema schema, ParquetColumnBatch batch)
    {
        var path = Path.Combine(_files.Root, name);
        using (var w = ParquetFileWriter.Create(path, schema)) w.WriteBatch(batch);
        return path;
    }

    private static LogIngestResult Read(string path, string? map = null, bool quarantine = false) =>
        LogIngest.Read([path], new IngestSettings(FieldMap.Parse(map), Quarantine: quarantine));

    [Fact]
    public void List_columns_of_floats_and_typed_scalars_are_read()
    {
        var schema = new ParquetSchema(
            ParquetField.Int64("episode_id"), ParquetField.Int32("step"), ParquetField.String("variant"),
            ParquetField.List("obs", ParquetField.Float("element")), ParquetField.List("action", ParquetField.Double("element")),
            ParquetField.List("next_obs", ParquetField.Float("element")),
            ParquetField.Float("reward"), ParquetField.Double("cost"), ParquetField.Boolean("terminal"));
        var path = WriteParquet("lists.parquet", schema, new ParquetColumnBatch(2)
            .Add<long>("episode_id", new long[] { 5, 5 }).Add<int>("step", new[] { 3, 4 }).Add<string>("variant", new[] { "heavy", "heavy" })
            .AddFixedSizeList<float>("obs", new float[] { 1, 2, 3, 4 }, 2).AddFixedSizeList<double>("action", new double[] { 0.5, -0.5 }, 1)
            .AddFixedSizeList<float>("next_obs", new float[] { 3, 4, 5, 6 }, 2)
            .Add<float>("reward", new float[] { 1, 2 }).Add<double>("cost", new double[] { 0, 1 }).Add<bool>("terminal", new[] { false, true }));

        var t = Read(path).Transitions;
        Assert.Equal(2, t.Count);
        Assert.Equal([1f, 2f, 3f, 4f], t.Obs.ToArray());
        Assert.Equal([3f, 4f, 5f, 6f], t.NextObs.ToArray());
        Assert.Equal([0.5f, -0.5f], t.Action.ToArray());
        Assert.Equal([3, 4], t.Step.ToArray());
        Assert.Equal([5L, 5L], t.EpisodeId.ToArray());
        Assert.Equal("heavy", t.Variant[0]);
        Assert.Equal([false, true], t.Unsafe.ToArray());
        Assert.Equal([false, true], t.Terminal.ToArray());
        Assert.Equal("lists.parquet", t.Source[0]);
    }

    [Fact]
    public void Flattened_d4rl_columns_with_float_flags_follow_the_preset()
    {
        var schema = new ParquetSchema(
            ParquetField.Double("observations_0"), ParquetField.Double("observations_1"), ParquetField.Float("actions_0"),
            ParquetField.Float("rewards"), ParquetField.Float("costs"), ParquetField.Float("terminals"), ParquetField.Boolean("timeouts"));
        var path = WriteParquet("d4rl.parquet", schema, new ParquetColumnBatch(3)
            .Add<double>("observations_0", new double[] { 0, 1, 2 }).Add<double>("observations_1", new double[] { 10, 11, 12 })
            .Add<float>("actions_0", new float[] { 1, 1, 1 }).Add<float>("rewards", new float[] { 0, 0, 0 })
            .Add<float>("costs", new float[] { 0, 0, 4 }).Add<float>("terminals", new float[] { 0, 0, 1 }).Add<bool>("timeouts", new[] { false, false, false }));

        var r = Read(path, "d4rl");
        var t = r.Transitions;
        Assert.Equal(3, t.Count);
        Assert.Equal([1f, 11f, 2f, 12f, 2f, 12f], t.NextObs.ToArray()); // the crash row has no successor: next_obs = obs
        Assert.Equal([false, false, true], t.Terminal.ToArray());
        Assert.Equal(1, r.Unsafe);
    }

    [Fact]
    public void A_non_finite_list_element_is_located_by_row_and_quarantined_as_json()
    {
        var schema = new ParquetSchema(
            ParquetField.List("obs", ParquetField.Float("element")), ParquetField.List("action", ParquetField.Float("element")),
            ParquetField.List("next_obs", ParquetField.Float("element")), ParquetField.Float("reward"), ParquetField.Float("cost"));
        var path = WriteParquet("nan.parquet", schema, new ParquetColumnBatch(3)
            .AddFixedSizeList<float>("obs", new float[] { 1, 2, 3, float.NaN, 5, 6 }, 2).AddFixedSizeList<float>("action", new float[] { 0, 0, 0 }, 1)
            .AddFixedSizeList<float>("next_obs", new float[] { 1, 1, 1, 1, 1, 1 }, 2)
            .Add<float>("reward", new float[] { 0, 0, 0 }).Add<float>("cost", new float[] { 0, 0, 0 }));

        var ex = Assert.Throws<LogRejectedException>(() => Read(path));
        Assert.EndsWith("nan.parquet:2:obs: element 1 is not finite (NaN)", ex.Errors[0].ToString());

        var q = Read(path, quarantine: true);
        Assert.Equal(2, q.Transitions.Count);
        var reject = Assert.Single(q.Rejects);
        Assert.Equal("{\"obs\":[3,\"NaN\"],\"action\":[0],\"next_obs\":[1,1],\"reward\":0,\"cost\":0}", reject.RawText);
    }

    [Fact]
    public void A_file_that_is_not_parquet_is_rejected_whole()
    {
        var path = _files.Write("junk.parquet", "PAR1 this is not a parquet file PAR1");
        var ex = Assert.Throws<LogRejectedException>(() => Read(path));
        Assert.Contains("junk.parquet:0:(file): not a readable Parquet file", ex.Errors[0].ToString());
    }
}
