using OfflineSafety.Errors;
using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Meta.Export;

/// <summary>The file formats a stored model can be handed out in.</summary>
public enum ModelExportFormat
{
    /// <summary>The critic as an ONNX graph (<see cref="CriticOnnxExport"/>), normalisation inside.</summary>
    Onnx,
    /// <summary>The registry's weights.safetensors as stored (critic and, when present, recovery policy).</summary>
    Safetensors,
}

/// <summary>
/// Writes one registry model in a chosen <see cref="ModelExportFormat"/>: what `offsafe models export`
/// and the service's model endpoints hand out.
/// </summary>
public sealed class ModelExport(ModelRegistry registry)
{
    public static ModelExportFormat ParseFormat(string text) => text.ToLowerInvariant() switch
    {
        "onnx" => ModelExportFormat.Onnx,
        "safetensors" => ModelExportFormat.Safetensors,
        _ => throw new BadInputException($"export format '{text}' is not one of: onnx, safetensors"),
    };

    /// <summary>Writes the model to <paramref name="destination"/> and returns its card.</summary>
    public async Task<ModelCard> WriteAsync(ModelReference reference, ModelExportFormat format, Stream destination, CancellationToken ct = default)
    {
        switch (format)
        {
            case ModelExportFormat.Onnx:
                var model = await registry.LoadAsync(reference, ct).ConfigureAwait(false);
                CriticOnnxExport.Write(model.Critic, destination, CriticOnnxExport.MetadataOf(model.Card));
                return model.Card;
            case ModelExportFormat.Safetensors:
                var card = await registry.ResolveAsync(reference, ct).ConfigureAwait(false);
                string key = ModelRegistry.WeightsKey(card.Name, card.Version);
                var bytes = await registry.Objects.TryReadAsync(key, ct).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"store '{registry.Objects.Location}': {card.Reference} has a model.json but no {ModelRegistry.WeightsFile}");
                await destination.WriteAsync(bytes, ct).ConfigureAwait(false);
                return card;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown export format");
        }
    }
}
