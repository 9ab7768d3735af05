using OfflineSafety.Errors;

namespace OfflineSafety.Serve.Models;

/// <summary>filter's body: one observation and the candidate actions (with the policy's log-probabilities, when known).</summary>
public sealed record FilterRequest(float[] Obs, float[][] Actions, float[]? LogProb = null, ulong? Seed = null);

/// <summary>Shape and value checks of scoring inputs, all before any scoring; errors name the field and index (evaluate's body does the same as it parses: <see cref="EvaluateBody"/>).</summary>
public static class ScoringInput
{
    public static float[] Rows(float[][]? rows, int dim, string field, int maxRows)
    {
        if (rows is null || rows.Length == 0) throw new BadInputException($"'{field}' is missing or empty");
        if (rows.Length > maxRows) throw new BadInputException($"'{field}' has {rows.Length} rows, more than the limit of {maxRows}");
        var flat = new float[rows.Length * dim];
        for (int i = 0; i < rows.Length; i++)
        {
            var row = rows[i] ?? throw new BadInputException($"'{field}[{i}]' is null");
            Vector(row, dim, $"{field}[{i}]").CopyTo(flat.AsSpan(i * dim));
        }
        return flat;
    }

    public static float[] Vector(float[]? values, int dim, string field)
    {
        if (values is null) throw new BadInputException($"'{field}' is missing");
        if (values.Length != dim) throw new BadInputException($"'{field}' has {values.Length} values; the critic expects {dim}");
        for (int j = 0; j < values.Length; j++)
            if (!float.IsFinite(values[j])) throw new BadInputException($"'{field}[{j}]' is {values[j]}; values must be finite");
        return values;
    }
}
