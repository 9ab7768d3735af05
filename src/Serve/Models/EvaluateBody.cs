using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OfflineSafety.Errors;
using OfflineSafety.Serve.Http;

namespace OfflineSafety.Serve.Models;

/// <summary>
/// evaluate's body, <c>{obs: [[...]], action: [[...]]}</c>, read straight from the request pipe into
/// flat float32 rows rented from the pool, and its answer written straight into the response pipe.
/// evaluate is the hot path (many small requests at once): per request this allocates no arrays of
/// rows, no copy of the body and no enumerators, so the work is the scoring and the garbage collector
/// has little to do. The checks and their messages are <see cref="ScoringInput"/>'s: dimensions
/// and finite values, naming the field and index, all before any scoring.
/// </summary>
public sealed class EvaluateBody : IDisposable
{
    private static readonly JsonEncodedText ObsName = JsonEncodedText.Encode("obs");
    private static readonly JsonEncodedText ActionName = JsonEncodedText.Encode("action");

    private float[] _obs = [];
    private float[] _action = [];

    public int Rows { get; private set; }
    public ReadOnlySpan<float> Obs => _obs.AsSpan(0, Rows * _obsDim);
    public ReadOnlySpan<float> Action => _action.AsSpan(0, Rows * _actDim);

    private readonly int _obsDim;
    private readonly int _actDim;

    private EvaluateBody(int obsDim, int actDim)
    {
        _obsDim = obsDim;
        _actDim = actDim;
    }

    /// <summary>Reads the whole body (under <paramref name="maxBytes"/>; Kestrel answers 413 past it), then parses it for a critic of these dimensions.</summary>
    public static async Task<EvaluateBody> ReadAsync(HttpContext context, long maxBytes, int obsDim, int actDim, int maxRows, CancellationToken ct)
    {
        RequestBodies.RequireContentType(context, "application/json");
        RequestBodies.Limit(context, maxBytes);
        PipeReader pipe = context.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await pipe.ReadAsync(ct).ConfigureAwait(false);
            if (read.IsCompleted) break;
            // Nothing consumed, everything examined: the next read waits for more bytes.
            pipe.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
        try
        {
            if (read.Buffer.IsEmpty) throw new BadInputException("request body is empty; expected a JSON object");
            var body = new EvaluateBody(obsDim, actDim);
            try
            {
                body.Parse(read.Buffer, maxRows);
                return body;
            }
            catch
            {
                body.Dispose();
                throw;
            }
        }
        finally
        {
            pipe.AdvanceTo(read.Buffer.End);
        }
    }

    private void Parse(ReadOnlySequence<byte> json, int maxRows)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        Next(ref reader);
        if (reader.TokenType == JsonTokenType.Null) throw new BadInputException("request body is JSON null; expected a JSON object");
        if (reader.TokenType != JsonTokenType.StartObject) throw NotValid("expected a JSON object");
        int obsRows = -1, actionRows = -1;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            if (reader.ValueTextEquals(ObsName.EncodedUtf8Bytes))
                obsRows = ReadRows(ref reader, ref _obs, _obsDim, "obs", maxRows);
            else if (reader.ValueTextEquals(ActionName.EncodedUtf8Bytes))
                actionRows = ReadRows(ref reader, ref _action, _actDim, "action", maxRows);
            else
                throw NotValid($"the property '{reader.GetString()}' is not part of an evaluate request (obs, action)");
        }
        if (reader.Read()) throw NotValid("more than one JSON value");
        if (obsRows <= 0) throw new BadInputException("'obs' is missing or empty");
        if (actionRows <= 0) throw new BadInputException("'action' is missing or empty");
        if (obsRows != actionRows)
            throw new BadInputException($"'obs' has {obsRows} rows and 'action' {actionRows}; they are scored pairwise");
        Rows = obsRows;
    }

    /// <summary>Rows of exactly <paramref name="dim"/> finite values into <paramref name="flat"/> (rented, grown as rows arrive).</summary>
    private static int ReadRows(ref Utf8JsonReader reader, ref float[] flat, int dim, string field, int maxRows)
    {
        Next(ref reader);
        if (reader.TokenType == JsonTokenType.Null) return 0;
        if (reader.TokenType != JsonTokenType.StartArray) throw NotValid($"'{field}' must be an array of rows");
        if (flat.Length > 0) throw NotValid($"'{field}' is given twice");
        flat = ArrayPool<float>.Shared.Rent(Math.Max(dim, 1) * 128);
        int rows = 0;
        while (true)
        {
            Next(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray) return rows;
            if (rows == maxRows) throw new BadInputException($"'{field}' has more than the limit of {maxRows} rows");
            if (reader.TokenType == JsonTokenType.Null) throw new BadInputException($"'{field}[{rows}]' is null");
            if (reader.TokenType != JsonTokenType.StartArray) throw NotValid($"'{field}[{rows}]' must be an array of numbers");
            if ((rows + 1) * dim > flat.Length) flat = Grow(flat, (rows + 1) * dim);
            var row = flat.AsSpan(rows * dim, dim);
            int count = 0, firstNonFinite = -1;
            float nonFinite = 0;
            while (true)
            {
                Next(ref reader);
                if (reader.TokenType == JsonTokenType.EndArray) break;
                float value = Number(ref reader, field, rows, count);
                if (!float.IsFinite(value) && firstNonFinite < 0) (firstNonFinite, nonFinite) = (count, value);
                if (count < dim) row[count] = value;
                count++;
            }
            // The length first, then the values: ScoringInput's order, so both paths say the same.
            if (count != dim) throw new BadInputException($"'{field}[{rows}]' has {count} values; the critic expects {dim}");
            if (firstNonFinite >= 0) throw new BadInputException($"'{field}[{rows}][{firstNonFinite}]' is {nonFinite}; values must be finite");
            rows++;
        }
    }

    /// <summary>A JSON number, or NaN / Infinity / -Infinity as named literals (strings), as the service's JSON options allow.</summary>
    private static float Number(ref Utf8JsonReader reader, string field, int row, int index)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            // A literal beyond float32's range parses to an infinity, which the finiteness check names.
            return reader.TryGetSingle(out float value) ? value : float.PositiveInfinity;
        }
        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("NaN"u8)) return float.NaN;
            if (reader.ValueTextEquals("Infinity"u8)) return float.PositiveInfinity;
            if (reader.ValueTextEquals("-Infinity"u8)) return float.NegativeInfinity;
        }
        throw NotValid($"'{field}[{row}][{index}]' is not a number");
    }

    private static void Next(ref Utf8JsonReader reader)
    {
        try
        {
            if (!reader.Read()) throw NotValid("the body ends before the JSON value does");
        }
        catch (JsonException ex)
        {
            throw NotValid(ex.Message);
        }
    }

    private static BadInputException NotValid(string why) => new($"request body is not valid JSON: {why}");

    private static float[] Grow(float[] flat, int needed)
    {
        var larger = ArrayPool<float>.Shared.Rent(Math.Max(needed, flat.Length * 2));
        flat.AsSpan().CopyTo(larger);
        ArrayPool<float>.Shared.Return(flat);
        return larger;
    }

    /// <summary>
    /// The answer, <c>{model, eps, q_risk, unsafe}</c>, written into the response pipe as the
    /// serializer would write it (float32 in its shortest round-tripping text).
    /// </summary>
    public static async Task WriteAnswerAsync(HttpContext context, string model, float eps, float[] risk, int rows, CancellationToken ct)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json; charset=utf-8";
        Write(context.Response.BodyWriter, model, eps, risk.AsSpan(0, rows));
        await context.Response.BodyWriter.FlushAsync(ct).ConfigureAwait(false);
    }

    private static void Write(IBufferWriter<byte> output, string model, float eps, ReadOnlySpan<float> risk)
    {
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        w.WriteString("model"u8, model);
        w.WriteNumber("eps"u8, eps);
        w.WriteStartArray("q_risk"u8);
        foreach (float r in risk) w.WriteNumberValue(r);
        w.WriteEndArray();
        w.WriteStartArray("unsafe"u8);
        foreach (float r in risk) w.WriteBooleanValue(r > eps);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public void Dispose()
    {
        if (_obs.Length > 0) ArrayPool<float>.Shared.Return(_obs);
        if (_action.Length > 0) ArrayPool<float>.Shared.Return(_action);
        _obs = _action = [];
    }
}
