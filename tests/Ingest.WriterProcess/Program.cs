using System.Globalization;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Storage;
using OfflineSafety.Ingest.Transitions;

// Usage:
//   append ROOT NAME WRITER COMMITS ROWS   append COMMITS batches of ROWS rows, then exit
//   append-forever ROOT NAME WRITER ROWS   append batches until killed
// Each committed version is printed as "committed VERSION ROWS" on stdout.
// Episode ids are WRITER * 1_000_000 + batch index, so a reader can tell whose rows landed.
if (args.Length < 5)
{
    Console.Error.WriteLine("usage: append ROOT NAME WRITER COMMITS ROWS | append-forever ROOT NAME WRITER ROWS");
    return 2;
}

string mode = args[0];
var store = new DatasetStore(new LocalObjectStore(args[1]));
string name = args[2];
int writer = int.Parse(args[3], CultureInfo.InvariantCulture);
int commits = mode == "append" ? int.Parse(args[4], CultureInfo.InvariantCulture) : int.MaxValue;
int rows = int.Parse(args[mode == "append" ? 5 : 4], CultureInfo.InvariantCulture);
const int obsDim = 4, actDim = 2;

await store.EnsureCreatedAsync(name, new DatasetMetadata("Writer-v0", obsDim, actDim));
var obs = new float[obsDim];
var action = new float[actDim];
for (int c = 0; c < commits; c++)
{
    var batch = new TransitionBatch(obsDim, actDim, rows);
    long episode = writer * 1_000_000L + c;
    for (int i = 0; i < rows; i++)
    {
        obs[0] = i;
        action[0] = writer;
        batch.Add(episode, i, i % 2 == 0 ? "even" : "odd", $"writer{writer}", obs, action, obs, 1f, i % 5 == 0 ? 1f : 0f, i % 5 == 0, i == rows - 1, false);
    }
    var result = await store.AppendAsync(name, batch, new AppendOptions { Operation = "INGEST" });
    Console.Out.WriteLine($"committed {result.Version.Version} {batch.Count}");
    Console.Out.Flush();
}
return 0;
