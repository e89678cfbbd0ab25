//! The code lists of domain.md. Codes are stable: add values, never rename or reuse one.
//! Age bands carry an `AGE_` prefix because a GraphQL enum value cannot start with a digit.

use super::code_list;

code_list! {
    /// Where an action on a measure stands.
    "ActionStatus" pub enum ActionStatus {
        NotStarted = "NOT_STARTED" => "Ikke startet",
        InProgress = "IN_PROGRESS" => "Pågår",
        Completed = "COMPLETED" => "Fullført",
        Delayed = "DELAYED" => "Forsinket",
        Cancelled = "CANCELLED" => "Avlyst",
        Continuous = "CONTINUOUS" => "Løpende",
    }
}

code_list! {
    /// The kind of place an overdose happened: never an address.
    "PlaceType" pub enum PlaceType {
        PrivateHome = "PRIVATE_HOME" => "Privat bolig",
        SupportedHousing = "SUPPORTED_HOUSING" => "Kommunal bolig med oppfølging",
        Shelter = "SHELTER" => "Akuttovernatting",
        PublicOutdoor = "PUBLIC_OUTDOOR" => "Offentlig sted ute",
        PublicIndoor = "PUBLIC_INDOOR" => "Offentlig sted inne",
        LowThresholdService = "LOW_THRESHOLD_SERVICE" => "Lavterskeltilbud",
        TreatmentInstitution = "TREATMENT_INSTITUTION" => "Behandlingsinstitusjon",
        PrisonOrCustody = "PRISON_OR_CUSTODY" => "Fengsel eller arrest",
        HospitalOrOutOfHoursClinic = "HOSPITAL_OR_OUT_OF_HOURS_CLINIC" => "Sykehus eller legevakt",
        Vehicle = "VEHICLE" => "Kjøretøy",
        Other = "OTHER" => "Annet",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// How an overdose ended.
    "Outcome" pub enum Outcome {
        NonFatal = "NON_FATAL" => "Ikke-dødelig",
        Fatal = "FATAL" => "Dødelig",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// A substance suspected in an overdose; an incident may name several.
    "Substance" pub enum Substance {
        Heroin = "HEROIN" => "Heroin",
        OtherOpioidMedicine = "OTHER_OPIOID_MEDICINE" => "Andre opioidholdige legemidler",
        Methadone = "METHADONE" => "Metadon",
        Buprenorphine = "BUPRENORPHINE" => "Buprenorfin",
        FentanylOrAnalogue = "FENTANYL_OR_ANALOGUE" => "Fentanyl eller analog",
        Nitazene = "NITAZENE" => "Nitazen",
        OtherSyntheticOpioid = "OTHER_SYNTHETIC_OPIOID" => "Andre syntetiske opioider",
        Benzodiazepine = "BENZODIAZEPINE" => "Benzodiazepiner",
        GhbGbl = "GHB_GBL" => "GHB/GBL",
        Alcohol = "ALCOHOL" => "Alkohol",
        Cocaine = "COCAINE" => "Kokain",
        Amphetamine = "AMPHETAMINE" => "Amfetamin",
        Mdma = "MDMA" => "MDMA",
        Cannabis = "CANNABIS" => "Cannabis",
        OtherNps = "OTHER_NPS" => "Andre nye psykoaktive stoffer",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// How sure the substance information is.
    "SubstanceCertainty" pub enum SubstanceCertainty {
        Suspected = "SUSPECTED" => "Mistenkt",
        SelfReported = "SELF_REPORTED" => "Selvrapportert",
        AnalyticallyConfirmed = "ANALYTICALLY_CONFIRMED" => "Analytisk bekreftet",
    }
}

code_list! {
    /// Yes, no or unknown, for facts a registrar may not know.
    "YesNoUnknown" pub enum YesNoUnknown {
        Yes = "YES" => "Ja",
        No = "NO" => "Nei",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// Who gave naloxone at an overdose.
    "NaloxoneGivenBy" pub enum NaloxoneGivenBy {
        PeerOrBystander = "PEER_OR_BYSTANDER" => "Likeperson eller tilskuer",
        NextOfKin = "NEXT_OF_KIN" => "Pårørende",
        MunicipalStaff = "MUNICIPAL_STAFF" => "Kommunalt ansatt",
        Ambulance = "AMBULANCE" => "Ambulanse",
        OutOfHoursClinicOrHospital = "OUT_OF_HOURS_CLINIC_OR_HOSPITAL" => "Legevakt eller sykehus",
        Police = "POLICE" => "Politi",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// What happened to the person after the overdose.
    "Disposition" pub enum Disposition {
        TreatedOnScene = "TREATED_ON_SCENE" => "Behandlet på stedet",
        Observed2hPlus = "OBSERVED_2H_PLUS" => "Observert i minst to timer",
        TransportedToClinic = "TRANSPORTED_TO_CLINIC" => "Fraktet til legevakt",
        TransportedToHospital = "TRANSPORTED_TO_HOSPITAL" => "Fraktet til sykehus",
        RefusedHelp = "REFUSED_HELP" => "Avslo hjelp",
        Died = "DIED" => "Døde",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// An age band: never a birth date.
    "AgeBand" pub enum AgeBand {
        Under18 = "UNDER_18" => "Under 18 år",
        Age18To24 = "AGE_18_24" => "18–24 år",
        Age25To34 = "AGE_25_34" => "25–34 år",
        Age35To44 = "AGE_35_44" => "35–44 år",
        Age45To54 = "AGE_45_54" => "45–54 år",
        Age55Plus = "AGE_55_PLUS" => "55 år og eldre",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// Sex as registered.
    "Sex" pub enum Sex {
        Male = "MALE" => "Mann",
        Female = "FEMALE" => "Kvinne",
        Other = "OTHER" => "Annet",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// Whether the overdose was intended.
    "Intent" pub enum Intent {
        Unintentional = "UNINTENTIONAL" => "Utilsiktet",
        SelfHarm = "SELF_HARM" => "Selvskading",
        Undetermined = "UNDETERMINED" => "Uavklart",
    }
}

code_list! {
    /// Whether offered follow-up was taken up.
    "FollowUpAccepted" pub enum FollowUpAccepted {
        Yes = "YES" => "Ja",
        No = "NO" => "Nei",
        NotReached = "NOT_REACHED" => "Ikke nådd",
    }
}

code_list! {
    /// The kind of follow-up offered after a non-fatal overdose.
    "FollowUpKind" pub enum FollowUpKind {
        Conversation = "CONVERSATION" => "Samtale",
        ReferralSpecialistTreatment = "REFERRAL_SPECIALIST_TREATMENT" => "Henvisning til spesialisthelsetjenesten",
        OpioidSubstitution = "OPIOID_SUBSTITUTION" => "Legemiddelassistert rehabilitering (LAR)",
        Housing = "HOUSING" => "Bolig",
        WelfareOffice = "WELFARE_OFFICE" => "NAV",
        Gp = "GP" => "Fastlege",
        Other = "OTHER" => "Annet",
    }
}

code_list! {
    /// Who reported the incident.
    "IncidentSource" pub enum IncidentSource {
        AmbulanceDispatch = "AMBULANCE_DISPATCH" => "AMK/ambulanse",
        OutOfHoursClinic = "OUT_OF_HOURS_CLINIC" => "Legevakt",
        MunicipalService = "MUNICIPAL_SERVICE" => "Kommunal tjeneste",
        Police = "POLICE" => "Politi",
        SelfReport = "SELF_REPORT" => "Selvrapportert",
        Other = "OTHER" => "Annet",
    }
}

code_list! {
    /// The naloxone product in a kit.
    "NaloxoneProduct" pub enum NaloxoneProduct {
        Nyxoid = "NYXOID_1_8MG" => "Nyxoid 1,8 mg nesespray",
        Ventizolve = "VENTIZOLVE_1_26MG" => "Ventizolve 1,26 mg nesespray",
        Other = "OTHER" => "Annet",
    }
}

code_list! {
    /// Who received a naloxone kit.
    "RecipientCategory" pub enum RecipientCategory {
        PersonWhoUsesDrugs = "PERSON_WHO_USES_DRUGS" => "Person som bruker rusmidler",
        NextOfKin = "NEXT_OF_KIN" => "Pårørende",
        Staff = "STAFF" => "Ansatt",
        Police = "POLICE" => "Politi",
        Other = "OTHER" => "Annet",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// Why a refill was needed. `USED_ON_OVERDOSE` is the programme's proxy for a reversal.
    "RefillReason" pub enum RefillReason {
        UsedOnOverdose = "USED_ON_OVERDOSE" => "Brukt ved overdose",
        Lost = "LOST" => "Mistet",
        Stolen = "STOLEN" => "Stjålet",
        Confiscated = "CONFISCATED" => "Beslaglagt",
        Expired = "EXPIRED" => "Utløpt",
        Damaged = "DAMAGED" => "Skadet",
        GivenAway = "GIVEN_AWAY" => "Gitt bort",
        Other = "OTHER" => "Annet",
        Unknown = "UNKNOWN" => "Ukjent",
    }
}

code_list! {
    /// The kind of place a municipality hands out naloxone.
    "SiteKind" pub enum SiteKind {
        LowThresholdService = "LOW_THRESHOLD_SERVICE" => "Lavterskeltilbud",
        OutreachVan = "OUTREACH_VAN" => "Oppsøkende bil",
        OutOfHoursClinic = "OUT_OF_HOURS_CLINIC" => "Legevakt",
        Prison = "PRISON" => "Fengsel",
        Pharmacy = "PHARMACY" => "Apotek",
        SubstanceUseService = "SUBSTANCE_USE_SERVICE" => "Rus- og psykisk helsetjeneste",
        Other = "OTHER" => "Annet",
    }
}

code_list! {
    /// What a plan indicator measures. Each kind is a figure the dashboards compute for a
    /// municipality (or the plan jointly) and a year; its target is plan data.
    "IndicatorKind" pub enum IndicatorKind {
        /// Kits handed out in the year per 10,000 inhabitants.
        NaloxoneKitsPer10k = "NALOXONE_KITS_PER_10K" => "Utdelte naloksonsett per 10 000 innbyggere",
        /// People given naloxone training in the year per 10,000 inhabitants.
        PeopleTrainedPer10k = "PEOPLE_TRAINED_PER_10K" => "Personer med naloksonopplæring per 10 000 innbyggere",
        /// Share of non-fatal overdoses where follow-up was offered, in percent.
        FollowUpOfferedPercent = "FOLLOW_UP_OFFERED_PERCENT" => "Andel ikke-dødelige overdoser der oppfølging ble tilbudt (%)",
        /// Refills because a kit was used on an overdose: the programme's proxy for reversals.
        RefillsAfterUse = "REFILLS_AFTER_USE" => "Nye sett etter bruk ved overdose",
        /// Share of the measures a municipality is responsible for that have at least one
        /// action, in percent.
        MeasuresWithActionPercent = "MEASURES_WITH_ACTION_PERCENT" => "Andel tiltak med minst én aktivitet (%)",
    }
}

code_list! {
    /// Whether an indicator's figure should reach its target or stay at or under it.
    "TargetDirection" pub enum TargetDirection {
        AtLeast = "AT_LEAST" => "Minst",
        AtMost = "AT_MOST" => "Høyst",
    }
}
