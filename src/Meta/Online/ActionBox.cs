namespace OfflineSafety.Meta.Online;
