using OfflineSafety.Meta.Registry;

namespace OfflineSafety.Meta.Safer;

/// <summary>
/// Where an online job gets a stored skill prior by reference: the registry in its own store
/// (<see cref="SkillPriorStore"/>) or the service (the client's FetchPriorAsync), alike for the job,
/// as <see cref="ICriticSource"/> is for critics.
/// </summary>
public interface IPriorSource
{
    Task<StoredPrior> LoadPriorAsync(ModelReference reference, CancellationToken ct = default);
}
